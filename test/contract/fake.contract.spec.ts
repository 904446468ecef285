/**
 * The contract on the testing fake, given the fixture model the real side's store has; two connections are
 * two `OpenFgaTestingModule.forRoot` in one test module (the default one and `{ name: 'billing' }`).
 */
import { readFileSync } from 'node:fs';
import { transformer } from '@openfga/syntax-transformer';
import { Test } from '@nestjs/testing';
import { getOpenFgaServiceToken, OpenFgaService } from '../../src';
import { OpenFgaFake, OpenFgaTestingModule } from '../../src/testing';
import type { FakeAuthorizationModel } from '../../src/testing';
import type { TupleOperation } from '../../src/tuple/tuple';
import { DEFAULT_MODEL } from '../support/harness/store';
import { openFgaServiceContract } from './openfga-service.contract';

const modelOf = (file: string) => transformer.transformDSLToJSONObject(readFileSync(file, 'utf8')) as FakeAuthorizationModel;
const model = modelOf(DEFAULT_MODEL);

describe('OpenFgaService contract: OpenFgaFake', () => {
  openFgaServiceContract(
    async (modelFile) => {
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
    },
    async () => {
      const app = await Test.createTestingModule({
        imports: [OpenFgaTestingModule.forRoot({ model }), OpenFgaTestingModule.forRoot({ name: 'billing', model })],
      }).compile();
      await app.init();
      return {
        main: app.get(OpenFgaService),
        billing: app.get<OpenFgaService>(getOpenFgaServiceToken('billing')),
        close: () => app.close(),
      };
    },
  );
});
