import type { InjectionToken } from '@nestjs/common';
import { getOpenFgaOptionsToken } from '../connection/connection-tokens';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';

/** A provider as Nest's container holds it: its token and, once built, its value. */
export interface ProviderEntry {
  readonly token: InjectionToken | undefined;
  readonly instance: unknown;
}

/**
 * Every connection an app registered, by name, with its resolved options: the
 * providers whose token is the options token of the connection their value names
 * (`OpenFgaModule.forRoot({ name })`, and `OpenFgaTestingModule`'s default).
 * Read once the providers are built (start-up hooks, requests).
 */
export function registeredConnections(providers: Iterable<ProviderEntry>): Map<string, ResolvedOpenFgaOptions> {
  const found = new Map<string, ResolvedOpenFgaOptions>();
  for (const { token, instance } of providers) {
    const name = (instance as Partial<ResolvedOpenFgaOptions> | null | undefined)?.connection;
    if (typeof name === 'string' && token === getOpenFgaOptionsToken(name)) found.set(name, instance as ResolvedOpenFgaOptions);
  }
  return found;
}

/** `default, billing`, or `none`. */
export function connectionList(names: Iterable<string>): string {
  const list = [...names];
  return list.length > 0 ? list.join(', ') : 'none';
}
