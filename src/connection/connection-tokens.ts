import { Inject } from '@nestjs/common';
import { OPENFGA_CORE, OPENFGA_OPTIONS } from '../openfga.constants';
import { OpenFgaService } from '../openfga.service';

/** The name of the connection `OpenFgaModule.forRoot()` without a `name` registers. */
export const DEFAULT_CONNECTION = 'default';

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Whether `name` is the default connection (unset, or `'default'`). */
export function isDefaultConnection(name: string | undefined): boolean {
  return name === undefined || name === DEFAULT_CONNECTION;
}

/**
 * Refuses a connection name that could not be a token, a queue name or a metric label: letters, digits, `_`, `-`.
 * `where` names what was given it in the message (default: the module option `name`).
 */
export function validateConnectionName(name: unknown, where = 'OpenFgaModule option "name"'): string {
  if (name === undefined) return DEFAULT_CONNECTION;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new TypeError(
      `${where} must be a connection name: letters, digits, "_" or "-" (1-64 characters) (received ${JSON.stringify(name)})`,
    );
  }
  return name;
}

/**
 * Injection token of a connection's `OpenFgaService`: the class itself for the default connection (so
 * `constructor(private openfga: OpenFgaService)` keeps working), a string for a named one.
 *
 * @example
 * { provide: InvoiceAccess, useFactory: (fga: OpenFgaService) => new InvoiceAccess(fga), inject: [getOpenFgaServiceToken('billing')] }
 */
export function getOpenFgaServiceToken(name?: string): typeof OpenFgaService | string {
  return isDefaultConnection(name) ? OpenFgaService : `OpenFgaService:${name}`;
}

/** Injection token of a connection's resolved options. */
export function getOpenFgaOptionsToken(name?: string): symbol | string {
  return isDefaultConnection(name) ? OPENFGA_OPTIONS : `OpenFgaOptions:${name}`;
}

/** Injection token of a connection's core (buffer, cache, flusher). Internal: the observability modules and the CLI use it. */
export function getOpenFgaCoreToken(name?: string): symbol | string {
  return isDefaultConnection(name) ? OPENFGA_CORE : `OpenFgaCore:${name}`;
}

/**
 * Injects the `OpenFgaService` of a connection (the default one without a name).
 *
 * @example
 * constructor(@InjectOpenFga('billing') private readonly billing: OpenFgaService) {}
 */
export function InjectOpenFga(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getOpenFgaServiceToken(name));
}
