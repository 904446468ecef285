import { DynamicModule, Module, Provider } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { FakeDecoratorValidator } from './fake/fake-decorator-validator';
import {
  getOpenFgaOptionsToken,
  getOpenFgaServiceToken,
  isDefaultConnection,
  validateConnectionName,
} from '../connection/connection-tokens';
import { FieldResolverEnhancers } from '../http/field-resolver-enhancers';
import { UnsupportedHandlers } from '../http/unsupported-handlers';
import { OpenFgaService } from '../openfga.service';
import type { OpenFgaModuleOptions } from '../options/openfga-options.interface';
import { resolveOptions } from '../options/resolve-options';
import { FAKE_STORE_ID, fakeTokenPrefix, OpenFgaFake } from './openfga-fake';
import type { OpenFgaFakeOptions } from './openfga-fake-options.interface';
import { resolveFakeModel } from './fake/fake-model-source';

/**
 * Options of `OpenFgaTestingModule.forRoot()`.
 *
 * @example
 * OpenFgaTestingModule.forRoot({ allow: true, resolveUser: (req) => `user:${String(req.headers?.['x-user'])}` })
 * OpenFgaTestingModule.forRoot({ name: 'billing', model: 'test/billing.fga' })
 */
export interface OpenFgaTestingModuleOptions extends OpenFgaFakeOptions {
  /**
   * The connection the fake stands in for, as `OpenFgaModule.forRoot({ name })`: provided under
   * `getOpenFgaServiceToken(name)` and its options under `getOpenFgaOptionsToken(name)`. Default: the default
   * connection (`OpenFgaService`, `OpenFgaFake`, `OPENFGA_OPTIONS`). One `forRoot` per connection.
   */
  name?: string;
  /** Register globally, as `OpenFgaModule` does by default. Default `true`. */
  isGlobal?: boolean;
  /** Passed on in the connection's options (`OPENFGA_OPTIONS`), for code (such as the HTTP layer) that finds the user of a request. */
  resolveUser?: OpenFgaModuleOptions['resolveUser'];
  /**
   * Refuse at start, as `OpenFgaModule` does, the decorators it refuses: `@Check`/`@Grant`/`@Revoke` on a
   * microservice message handler, `@Grant`/`@Revoke` on an `@Sse` route and, with `model`, names the model
   * lacks. Default `true`; `false` lets such an app start, to test how each call fails.
   */
  validateDecorators?: boolean;
}

/**
 * Replaces `OpenFgaModule` in unit tests: provides an `OpenFgaFake` under the
 * `OpenFgaService` token (and as `OpenFgaFake`), plus `OPENFGA_OPTIONS`; with
 * `name`, under that connection's tokens instead (one `forRoot` per connection).
 * No Redis, no OpenFGA.
 *
 * @example
 * const moduleRef = await Test.createTestingModule({
 *   imports: [OpenFgaTestingModule.forRoot(), OpenFgaTestingModule.forRoot({ name: 'billing' })],
 *   controllers: [DocumentsController],
 * }).compile();
 * const fake = moduleRef.get(OpenFgaFake);
 * const billing = moduleRef.get<OpenFgaFake>(getOpenFgaServiceToken('billing'));
 */
@Module({})
export class OpenFgaTestingModule {
  /** A fresh fake per call; see `OpenFgaTestingModuleOptions`. */
  static forRoot(options: OpenFgaTestingModuleOptions = {}): DynamicModule {
    const { name: given, isGlobal = true, resolveUser, validateDecorators = true, model: source, ...rest } = options;
    const name = validateConnectionName(given, 'OpenFgaTestingModule option "name"');
    // Read (a .fga file or text parsed) once, for the fake and the decorator check.
    const model = source === undefined ? undefined : resolveFakeModel(source);
    const fakeOptions: OpenFgaFakeOptions = { ...rest, ...(model ? { model } : {}) };
    const serviceToken = getOpenFgaServiceToken(name);
    const optionsToken = getOpenFgaOptionsToken(name);
    // The default connection's fake is also injectable as OpenFgaFake; a named one only by its connection's token.
    const fake: Provider[] = isDefaultConnection(name)
      ? [
          { provide: OpenFgaFake, useFactory: () => new OpenFgaFake(fakeOptions, name) },
          { provide: OpenFgaService, useExisting: OpenFgaFake },
        ]
      : [{ provide: serviceToken, useFactory: () => new OpenFgaFake(fakeOptions, name) }];
    return {
      module: OpenFgaTestingModule,
      global: isGlobal,
      imports: [DiscoveryModule],
      providers: [
        {
          provide: `FakeDecoratorValidator:${name}`,
          useFactory: (discovery: DiscoveryService, scanner: MetadataScanner, reflector: Reflector) =>
            new FakeDecoratorValidator(discovery, scanner, reflector, validateDecorators ? model : undefined, name),
          inject: [DiscoveryService, MetadataScanner, Reflector],
        },
        // As OpenFgaModule: a decorated field resolver Nest would skip refuses to start.
        FieldResolverEnhancers,
        // As OpenFgaModule: decorators on handlers where they cannot run refuse to start.
        ...(validateDecorators ? [UnsupportedHandlers] : []),
        ...fake,
        {
          provide: optionsToken,
          // Addresses nothing listens on: the fake never connects; they only make the options complete.
          useFactory: () =>
            resolveOptions(
              {
                apiUrl: 'http://127.0.0.1:1',
                storeId: FAKE_STORE_ID,
                // The prefix the fake's tokens name, so the HTTP layer tells which connection issued one.
                prefix: fakeTokenPrefix(name),
                redis: 'redis://127.0.0.1:1',
                autoFlush: false,
                flushOnShutdown: false,
                ...(resolveUser ? { resolveUser } : {}),
              },
              name,
            ),
        },
      ],
      exports: [...(isDefaultConnection(name) ? [OpenFgaFake] : []), serviceToken, optionsToken],
    };
  }
}
