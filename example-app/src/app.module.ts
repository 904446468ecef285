import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AdminModule } from './admin/admin.module';
import { ExampleAppConfig, openFgaOptions } from './config';
import { HealthModule } from './health/health.module';
import { LibraryModule } from './library/library.module';
import { OpenFgaModule } from './nestjs-openfga';

/**
 * The example app: folders and documents kept in memory, authorization in
 * OpenFGA through nestjs-openfga (write-behind buffer in Redis, queue mode
 * with the worker in this process, a cron flush).
 */
@Module({})
export class AppModule {
  static forRoot(config: ExampleAppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // The `cron` option registers its flush in @nestjs/schedule's SchedulerRegistry.
        ScheduleModule.forRoot(),
        OpenFgaModule.forRoot(openFgaOptions(config)),
        LibraryModule,
        AdminModule.register(config.adminToken),
        HealthModule,
      ],
    };
  }
}
