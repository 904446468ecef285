import { OpenFgaError } from '../errors/openfga.error';

/**
 * Thrown at start-up when an option is missing or malformed; the message names the module, the option
 * and its expected form. `option` '' is the options object itself.
 */
export class InvalidOptionsError extends OpenFgaError {
  override readonly name = 'InvalidOptionsError';

  constructor(
    readonly option: string,
    readonly expected: string,
    received: unknown,
    /** The module the options are for: `OpenFgaModule`, `OpenFgaMetrics`, `OpenFgaHealth`, ... */
    readonly owner = 'OpenFgaModule',
  ) {
    const what = option === '' ? `${owner} options` : `${owner} option "${option}"`;
    super(`${what} must be ${expected} (received ${describeReceived(received)})`);
  }
}

const SECRET_KEY = /password|secret|token/i;
/** `scheme://user:password@` in any string: the password part. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@/\s]*@/gi;

/** The received value as JSON, with URL passwords and secret-named fields masked: error messages end up in logs. */
function describeReceived(received: unknown): string {
  const mask = (key: string, value: unknown): unknown => {
    if (key && SECRET_KEY.test(key)) return '***';
    return typeof value === 'string' ? value.replace(URL_PASSWORD, '$1***@') : value;
  };
  try {
    const json = JSON.stringify(received, mask);
    return json ?? String(received);
  } catch {
    return Object.prototype.toString.call(received);
  }
}
