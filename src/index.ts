export { OpenFgaModule } from './openfga.module';
export { OpenFgaService } from './openfga.service';
export type { CheckConsistency, CheckOptions, ConsistencyToken, OpenFgaStatus } from './openfga.service';
export { OPENFGA_OPTIONS } from './openfga.constants';
export type {
  OpenFgaModuleOptions,
  OpenFgaCredentials,
  OpenFgaQueueOptions,
  OpenFgaRequest,
  RedisConnection,
  ResolvedOpenFgaOptions,
} from './options/openfga-options.interface';
export { DEFAULT_OPTIONS, DEFAULT_QUEUE_OPTIONS } from './options/defaults';
export { InvalidOptionsError } from './options/invalid-options.error';
export type { Tuple, TupleOperation, TupleOperationKind } from './tuple/tuple';
export { InvalidTupleError } from './tuple/invalid-tuple.error';
export type { BufferedOperation, DeadLetter } from './buffer/buffered-operation';
export type { FlushOptions, FlushResult } from './flush/flush-result';
export { CheckUnavailableError } from './check/check-unavailable.error';
export { InvalidConsistencyTokenError } from './consistency/consistency-token';
export * from './http';
