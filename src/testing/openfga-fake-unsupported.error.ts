import { OpenFgaError } from '../errors/openfga.error';

/** Thrown by the fake for what needs a real OpenFGA (`expand`, `sdkClient`); test those against the real servers. */
export class OpenFgaFakeUnsupportedError extends OpenFgaError {
  override readonly name = 'OpenFgaFakeUnsupportedError';

  constructor(readonly member: string) {
    super(`OpenFgaFake does not support ${member}: it needs a real OpenFGA (use the real module in an integration test)`);
  }
}
