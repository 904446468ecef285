/** The contract on the testing fake, given the fixture model the real side's store has. */
import { readFileSync } from 'node:fs';
import { transformer } from '@openfga/syntax-transformer';
import { OpenFgaFake } from '../../src/testing';
import type { FakeAuthorizationModel } from '../../src/testing';
import { DEFAULT_MODEL } from '../support/harness/store';
import { openFgaServiceContract } from './openfga-service.contract';

const model = transformer.transformDSLToJSONObject(readFileSync(DEFAULT_MODEL, 'utf8')) as FakeAuthorizationModel;

describe('OpenFgaService contract: OpenFgaFake', () => {
  openFgaServiceContract(async () => ({ service: new OpenFgaFake({ model }), close: async () => undefined }));
});
