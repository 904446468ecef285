import type { ModuleRef, ModulesContainer } from '@nestjs/core';
import { DEFAULT_CONNECTION, getOpenFgaServiceToken } from '../connection/connection-tokens';
import { connectionList, registeredConnections } from './connection-registry';
import type { OpenFgaService } from '../openfga.service';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { InvalidOptionsError } from '../options/invalid-options.error';

/** One connection as the operator-facing modules (metrics, tracing, events, health, CLI) see it. */
export interface OpenFgaConnection {
  /** `default`, or the `name` given to `forRoot`. */
  readonly name: string;
  /** Its `OpenFgaService` (the `OpenFgaFake` under `OpenFgaTestingModule`). */
  readonly service: OpenFgaService;
  readonly options: ResolvedOpenFgaOptions;
}

/**
 * Every connection of the application (`OpenFgaModule.forRoot`, or `OpenFgaTestingModule.forRoot`, named
 * or not, whichever module imported it), with its options: the default first, then by name.
 * Read once the providers are built (in `onModuleInit` or later).
 */
export function appConnections(modules: ModulesContainer): Map<string, ResolvedOpenFgaOptions> {
  const found = registeredConnections([...modules.values()].flatMap((m) => [...m.providers.values()]));
  const names = [...found.keys()].sort((a, b) => (a === DEFAULT_CONNECTION ? -1 : b === DEFAULT_CONNECTION ? 1 : a.localeCompare(b)));
  return new Map(names.map((name) => [name, found.get(name)!]));
}

/** `no OpenFGA connection "x" (registered: default, billing)`: the same words wherever a name is looked up. */
export function unknownConnectionMessage(name: string, registered: Iterable<string>): string {
  return `no OpenFGA connection "${name}" (registered: ${connectionList(registered)})`;
}

/** The service and options of the connection `name`; throws naming the registered ones when the app has none of that name. */
export function resolveConnection(moduleRef: ModuleRef, modules: ModulesContainer, name: string): OpenFgaConnection {
  const registered = appConnections(modules);
  const options = registered.get(name);
  if (!options) throw new Error(unknownConnectionMessage(name, registered.keys()));
  return { name, options, service: moduleRef.get<OpenFgaService>(getOpenFgaServiceToken(name), { strict: false }) };
}

/**
 * The connections a module reports: `requested` (its `connections` option), or every one of the app.
 * An unknown name fails the start, prefixed with `owner` (the module's name).
 */
export function resolveConnections(
  moduleRef: ModuleRef,
  modules: ModulesContainer,
  requested: readonly string[] | undefined,
  owner: string,
): OpenFgaConnection[] {
  const registered = appConnections(modules);
  const names = [...new Set(requested ?? registered.keys())];
  const unknown = names.find((name) => !registered.has(name));
  if (unknown !== undefined) throw new Error(`${owner}: ${unknownConnectionMessage(unknown, registered.keys())}`);
  return names.map((name) => resolveConnection(moduleRef, modules, name));
}

/** Validates a `connections` option: a non-empty array of connection names. */
export function validateConnectionsOption(value: unknown, owner: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.some((n) => typeof n !== 'string' || n === '')) {
    throw new InvalidOptionsError('connections', 'a non-empty array of connection names', value, owner);
  }
  return value as readonly string[];
}
