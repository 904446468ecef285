import { Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { OpenFgaCore } from '../../core/openfga-core';
import { assertGuardOrder } from './guard-order';
import { validateDeclarations } from './validate-declarations';

/**
 * Fails start-up when a decorator names a type or relation the authorization
 * model lacks, instead of denying (`@Check`) or dead-lettering (`@Grant`) on
 * every request. The model is the one the module read at start (it waits at
 * most a few seconds for it); when it could not be read, the check is skipped
 * with a warning, never blocking start. Off with `validateDecorators: false`.
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
    // Not a model question: refused whatever validateDecorators says (the app would answer 401 to everyone).
    assertGuardOrder(this.discovery, this.scanner);
    if (!this.core.options.validateDecorators) return;
    const { model } = this.core;
    validateDeclarations(
      this.discovery,
      this.scanner,
      this.reflector,
      () => (model.graph ? { model: model.graph } : { unavailable: model.status().reason ?? 'not read yet' }),
      this.logger,
    );
  }
}
