import { Logger, OnModuleInit } from '@nestjs/common';
import type { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { validateDeclarations } from '../../http/decorator-validation/validate-declarations';
import { RelationGraph } from '../../model/relation-graph';
import type { FakeAuthorizationModel } from './fake-model';

/**
 * `validateDecorators` under `OpenFgaTestingModule`: with the fake's `model`,
 * a decorator naming what the model lacks fails the test module's start as it
 * fails the real one. Without a model there is nothing to check against.
 * One per connection: each checks the decorators naming its connection.
 */
export class FakeDecoratorValidator implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly model: FakeAuthorizationModel | undefined,
    private readonly connection: string,
  ) {}

  onModuleInit(): void {
    const { model } = this;
    if (!model) return;
    validateDeclarations(
      this.discovery,
      this.scanner,
      this.reflector,
      () => ({ model: RelationGraph.compile({ id: 'fake', type_definitions: model.type_definitions, conditions: model.conditions }) }),
      new Logger('OpenFgaDecorators'),
      this.connection,
    );
  }
}
