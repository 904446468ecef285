import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { FakeDecoratorValidator } from './fake/fake-decorator-validator';
import { FieldResolverEnhancers } from '../http/field-resolver-enhancers';
import { OPENFGA_OPTIONS } from '../openfga.constants';
import { OpenFgaService } from '../openfga.service';
import type { OpenFgaModuleOptions } from '../options/openfga-options.interface';
import { resolveOptions } from '../options/resolve-options';
import { FAKE_STORE_ID, OpenFgaFake } from './openfga-fake';
import type { OpenFgaFakeOptions } from './openfga-fake-options.interface';
import { resolveFakeModel } from './fake/fake-model-source';

/**
 * Options of `OpenFgaTestingModule.forRoot()`.
 *
 * @example
 * OpenFgaTestingModule.forRoot({ allow: true, resolveUser: (req) => `user:${String(req.headers?.['x-user'])}` })
 */
export interface OpenFgaTestingModuleOptions extends OpenFgaFakeOptions {
  /** Register globally, as `OpenFgaModule` does by default. Default `true`. */
  isGlobal?: boolean;
  /** Passed on in `OPENFGA_OPTIONS`, for code (such as the HTTP layer) that finds the user of a request. */
  resolveUser?: OpenFgaModuleOptions['resolveUser'];
  /** With `model`: check the names of `@Check`/`@Grant`/`@Revoke` against it at start, as `OpenFgaModule` does. Default `true`. */
  validateDecorators?: boolean;
}

/**
 * Replaces `OpenFgaModule` in unit tests: provides an `OpenFgaFake` under the
 * `OpenFgaService` token (and as `OpenFgaFake`), plus `OPENFGA_OPTIONS`. No
 * Redis, no OpenFGA.
 *
 * @example
 * const moduleRef = await Test.createTestingModule({
 *   imports: [OpenFgaTestingModule.forRoot()],
 *   controllers: [DocumentsController],
 * }).compile();
 * const fake = moduleRef.get(OpenFgaFake);
 */
@Module({})
export class OpenFgaTestingModule {
  /** A fresh fake per call; see `OpenFgaTestingModuleOptions`. */
  static forRoot(options: OpenFgaTestingModuleOptions = {}): DynamicModule {
    const { isGlobal = true, resolveUser, validateDecorators = true, model: source, ...rest } = options;
    // Read (a .fga file or text parsed) once, for the fake and the decorator check.
    const model = source === undefined ? undefined : resolveFakeModel(source);
    const fakeOptions: OpenFgaFakeOptions = { ...rest, ...(model ? { model } : {}) };
    return {
      module: OpenFgaTestingModule,
      global: isGlobal,
      imports: [DiscoveryModule],
      providers: [
        {
          provide: FakeDecoratorValidator,
          useFactory: (discovery: DiscoveryService, scanner: MetadataScanner, reflector: Reflector) =>
            new FakeDecoratorValidator(discovery, scanner, reflector, validateDecorators ? model : undefined),
          inject: [DiscoveryService, MetadataScanner, Reflector],
        },
        // As OpenFgaModule: a decorated field resolver Nest would skip refuses to start.
        FieldResolverEnhancers,
        { provide: OpenFgaFake, useFactory: () => new OpenFgaFake(fakeOptions) },
        { provide: OpenFgaService, useExisting: OpenFgaFake },
        {
          provide: OPENFGA_OPTIONS,
          // Addresses nothing listens on: the fake never connects; they only make the options complete.
          useFactory: () =>
            resolveOptions({
              apiUrl: 'http://127.0.0.1:1',
              storeId: FAKE_STORE_ID,
              redis: 'redis://127.0.0.1:1',
              autoFlush: false,
              flushOnShutdown: false,
              ...(resolveUser ? { resolveUser } : {}),
            }),
        },
      ],
      exports: [OpenFgaFake, OpenFgaService, OPENFGA_OPTIONS],
    };
  }
}
