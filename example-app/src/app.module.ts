import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { exampleConfig, ExampleAppConfig, openFgaOptions } from './config';
import { HealthModule } from './health/health.module';
import { LibraryModule } from './library/library.module';
import { OpenFgaModule } from './nestjs-openfga';

/**
 * OpenFgaModule configured from @nestjs/config. Kept in a constant so tests can
 * swap it: `overrideModule` matches the very object imported here, and
 * `overrideModule(OpenFgaModule)` (the class) would match nothing, since
 * `forRoot`/`forRootAsync` import a dynamic module, not the class.
 */
export const OpenFgaConfiguredModule = OpenFgaModule.forRootAsync({
  inject: [ConfigService],
  useFactory: (config: ConfigService) => openFgaOptions(config.getOrThrow<ExampleAppConfig>('example')),
});

/**
 * The example app: folders and documents kept in memory, authorization in
 * OpenFGA through nestjs-openfga (write-behind buffer in Redis, queue mode
 * with the worker in this process, a cron flush), users authenticated with JWTs.
 */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, load: [exampleConfig] }),
    // The `cron` option registers its flush in @nestjs/schedule's SchedulerRegistry.
    ScheduleModule.forRoot(),
    OpenFgaConfiguredModule,
    AuthModule,
    LibraryModule,
    AdminModule,
    HealthModule,
  ],
})
export class AppModule {}
