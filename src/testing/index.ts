// The testing entry point (`nestjs-openfga/testing`): an in-memory OpenFgaService and its assertions.
// Nothing here loads ioredis or BullMQ, and nothing connects anywhere.
export { OpenFgaFake, FAKE_STORE_ID } from './openfga-fake';
export type { RecordedCheck, RecordedOperation } from './openfga-fake';
export type { CheckResolver, OpenFgaFakeOptions } from './openfga-fake-options.interface';
export type { FakeAuthorizationModel, FakeConditionParameterType, FakeRelationReference, FakeUserset } from './fake/fake-model';
export type { FakeModelSource } from './fake/fake-model-source';
export { OpenFgaTestingModule } from './openfga-testing.module';
export type { OpenFgaTestingModuleOptions } from './openfga-testing.module';
export { OpenFgaAssertionError } from './openfga-assertion.error';
export type { OpenFgaServiceContract } from './openfga-service-contract';
export { OpenFgaFakeUnsupportedError } from './openfga-fake-unsupported.error';
