/** The contract on the testing fake, given the fixture model the real side's store has. */
import { readFileSync } from 'node:fs';
import { transformer } from '@openfga/syntax-transformer';
import { OpenFgaFake } from '../../src/testing';
import type { FakeAuthorizationModel } from '../../src/testing';
import type { TupleOperation } from '../../src/tuple/tuple';
import { DEFAULT_MODEL } from '../support/harness/store';
import { openFgaServiceContract } from './openfga-service.contract';

const modelOf = (file: string) => transformer.transformDSLToJSONObject(readFileSync(file, 'utf8')) as FakeAuthorizationModel;
const model = modelOf(DEFAULT_MODEL);

describe('OpenFgaService contract: OpenFgaFake', () => {
  openFgaServiceContract(async (modelFile) => {
    const service = new OpenFgaFake({ model: modelFile ? modelOf(modelFile) : model });
    // The fake's own path into its buffer, past the model checks of the public calls.
    const record = (service as unknown as { record(kind: string, ops: TupleOperation[]): string }).record.bind(service);
    return {
      service,
      close: async () => undefined,
      bufferPoison: async (kind, tuples) =>
        record(
          kind,
          tuples.map((t) => ({ kind, ...t })),
        ),
    };
  });
});
