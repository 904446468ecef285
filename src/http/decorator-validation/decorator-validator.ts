import { Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { OpenFgaCore } from '../../core/openfga-core';
import { firstInApp } from '../once-per-app';
import { assertGuardOrder } from './guard-order';
import { assertKnownConnections } from './known-connections';
import { validateDeclarations } from './validate-declarations';

/**
 * Fails start-up when a decorator names a type or relation the authorization
 * model lacks, instead of denying (`@Check`) or dead-lettering (`@Grant`) on
 * every request. The model is the one the module read at start (it waits at
 * most a few seconds for it); when it could not be read, the check is skipped
 * with a warning, never blocking start. Off with `validateDecorators: false`.
 *
 * One per connection: each checks the decorators naming it (unset: the default
 * one) against its own model. The first to start also checks, once for the
 * app, the guard order and that every decorator names a registered connection.
 */
export class DecoratorValidator implements OnModuleInit {
  private readonly logger = new Logger('OpenFgaDecorators');

  constructor(
    private readonly core: OpenFgaCore,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    /** The connection whose decorators (`{ connection }`, the default when unset) this validates. */
    readonly connection: string,
  ) {}

  onModuleInit(): void {
    // Not model questions: refused whatever validateDecorators says (the app would answer 401, or 500, to everyone).
    if (firstInApp(this.discovery, 'decorator-wiring')) {
      assertGuardOrder(this.discovery, this.scanner);
      assertKnownConnections(this.discovery, this.scanner, this.reflector);
    }
    if (!this.core.options.validateDecorators) return;
    const { model } = this.core;
    validateDeclarations(
      this.discovery,
      this.scanner,
      this.reflector,
      () => (model.graph ? { model: model.graph } : { unavailable: model.status().reason ?? 'not read yet' }),
      this.logger,
      this.connection,
    );
  }
}
