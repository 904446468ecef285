import { InjectionToken, InternalServerErrorException, Logger } from '@nestjs/common';
import { ModuleRef, ModulesContainer } from '@nestjs/core';
import { DEFAULT_CONNECTION, getOpenFgaOptionsToken, getOpenFgaServiceToken } from '../connection/connection-tokens';
import { ConsistencyTokens } from '../consistency/consistency-token';
import type { OpenFgaService } from '../openfga.service';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { registeredConnections } from '../connection/connection-registry';
import { MissingConnectionError } from './missing-connection.error';

/**
 * The service and options of each connection, for the guard and the
 * interceptor: found by name at run time through `ModuleRef` (so they work in
 * an app with only named connections, and wherever the module is not imported),
 * then cached. The default connection's may be injected instead (the
 * constructor arguments of `OpenFgaGuard` and of subclasses that pass their own).
 */
export class HttpConnections {
  private readonly services = new Map<string, OpenFgaService>();
  private readonly options = new Map<string, ResolvedOpenFgaOptions>();
  private readonly tokens = new Map<string, ConsistencyTokens>();
  private registry?: ReadonlyMap<string, ResolvedOpenFgaOptions>;

  constructor(
    private readonly moduleRef: ModuleRef | undefined,
    defaults: { service?: OpenFgaService; options?: ResolvedOpenFgaOptions },
  ) {
    if (defaults.service) this.services.set(DEFAULT_CONNECTION, defaults.service);
    if (defaults.options) this.options.set(DEFAULT_CONNECTION, defaults.options);
  }

  /** The connection's `OpenFgaService`; throws `MissingConnectionError` when the app has none of that name. */
  service(name: string): OpenFgaService {
    return this.lookup(this.services, name, getOpenFgaServiceToken(name));
  }

  /**
   * The service of each connection `requirements` name (unset: the default). One the app lacks is a
   * 500 before anything is asked or the handler runs, logged (`refused`, `where`) with the fix: never an allow.
   */
  servicesOf(
    requirements: readonly { connection?: string }[],
    logger: Logger,
    refused: string,
    where: Record<string, string>,
  ): Map<string, OpenFgaService> {
    const services = new Map<string, OpenFgaService>();
    for (const name of new Set(requirements.map((r) => r.connection ?? DEFAULT_CONNECTION))) {
      try {
        services.set(name, this.service(name));
      } catch (err) {
        if (!(err instanceof MissingConnectionError)) throw err;
        logger.error({ message: refused, ...where, reason: err.message });
        throw new InternalServerErrorException(`OpenFGA connection "${name}" is not registered`);
      }
    }
    return services;
  }

  /** The connection's resolved options (`resolveUser`, store, prefix); throws `MissingConnectionError`. */
  optionsOf(name: string): ResolvedOpenFgaOptions {
    return this.lookup(this.options, name, getOpenFgaOptionsToken(name));
  }

  /** Every connection of the app (read once: connections are registered at start-up only). */
  registered(): ReadonlyMap<string, ResolvedOpenFgaOptions> {
    if (this.registry) return this.registry;
    const container = this.find<ModulesContainer>(ModulesContainer);
    const found = registeredConnections(container ? [...container.values()].flatMap((m) => [...m.providers.values()]) : []);
    // Options handed to the constructor count even when no container is at hand.
    const injected = this.options.get(DEFAULT_CONNECTION);
    if (injected && !found.has(DEFAULT_CONNECTION)) found.set(DEFAULT_CONNECTION, injected);
    return (this.registry = found);
  }

  /**
   * Whether a consistency token was issued by another connection of the app
   * and not by `name`: it says nothing about `name`'s store. A token no
   * connection issued (malformed, or of a store the app does not know) is not.
   */
  issuedElsewhere(token: string, name: string): boolean {
    if (this.issues(name, this.optionsOf(name), token)) return false;
    return [...this.registered()].some(([other, options]) => other !== name && this.issues(other, options, token));
  }

  private issues(name: string, options: ResolvedOpenFgaOptions, token: string): boolean {
    let tokens = this.tokens.get(name);
    if (!tokens) this.tokens.set(name, (tokens = new ConsistencyTokens(options.prefix, options.storeId)));
    try {
      tokens.decode(token);
      return true;
    } catch {
      return false;
    }
  }

  private lookup<T>(cache: Map<string, T>, name: string, token: InjectionToken): T {
    const cached = cache.get(name);
    if (cached !== undefined) return cached;
    const found = this.find<T>(token);
    if (found === undefined || found === null) {
      const cause = this.moduleRef ? undefined : 'it was not injected, and without ModuleRef (pass it to super()) no other can be found';
      throw new MissingConnectionError(name, [...this.registered().keys()], cause);
    }
    cache.set(name, found);
    return found;
  }

  private find<T>(token: InjectionToken): T | undefined {
    try {
      return this.moduleRef?.get<T>(token, { strict: false });
    } catch {
      return undefined; // Nest's "could not find" error: reported as MissingConnectionError
    }
  }
}
