import { DynamicModule, Module } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { OpenFgaModule } from '../openfga.module';
import { OpenFgaCliBinProgram } from './bin-program';
import { OpenFgaCliEnvConfig } from './cli-env';
import { OpenFgaCliModule } from './openfga-cli.module';

/**
 * The bin's root module: `OpenFgaModule` without automatic or shutdown flushes
 * (the flush command flushes explicitly), on a Redis client the bin owns, plus
 * the commands.
 */
@Module({})
export class OpenFgaCliBinModule {
  static register(config: OpenFgaCliEnvConfig, redis: Redis | Cluster): DynamicModule {
    return {
      module: OpenFgaCliBinModule,
      imports: [
        OpenFgaModule.forRoot({ ...config.options, redis, autoFlush: false, flushOnShutdown: false, changeFeed: { enabled: false } }),
        OpenFgaCliModule,
      ],
      providers: [OpenFgaCliBinProgram],
    };
  }
}
