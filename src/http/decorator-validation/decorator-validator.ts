import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { OpenFgaCore } from '../../core/openfga-core';
import { OPENFGA_CORE } from '../../openfga.constants';
import { checkDeclarations } from './check-declarations';
import { findDeclarations } from './find-declarations';
import { InvalidDecoratorError } from './invalid-decorator.error';

/**
 * Fails start-up when a decorator names a type or relation the authorization
 * model lacks, instead of denying (`@Check`) or dead-lettering (`@Grant`) on
 * every request. The model is the one the module read at start (it waits at
 * most a few seconds for it); when it could not be read, the check is skipped
 * with a warning, never blocking start. Off with `validateDecorators: false`.
 */
@Injectable()
export class DecoratorValidator implements OnModuleInit {
  private readonly logger = new Logger('OpenFgaDecorators');

  constructor(
    @Inject(OPENFGA_CORE) private readonly core: OpenFgaCore,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    if (!this.core.options.validateDecorators) return;
    const declarations = findDeclarations(this.discovery, this.scanner);
    if (declarations.length === 0) return;
    const graph = this.core.model.graph;
    if (!graph) {
      const why = this.core.model.status().reason ?? 'not read yet';
      this.logger.warn(`@Check/@Grant/@Revoke were not checked against the authorization model: ${why}`);
      return;
    }
    const problems = checkDeclarations(declarations, graph);
    if (problems.length > 0) throw new InvalidDecoratorError(problems, graph.modelId);
  }
}
