import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ADMIN_TOKEN, AdminTokenGuard } from '../auth/admin-token.guard';
import type { ExampleAppConfig } from '../config';
import { AdminController } from './admin.controller';

@Module({
  controllers: [AdminController],
  providers: [
    {
      provide: ADMIN_TOKEN,
      inject: [ConfigService],
      useFactory: (config: ConfigService): string => {
        const { adminToken } = config.getOrThrow<ExampleAppConfig>('example');
        if (adminToken.length < 8) throw new Error('The admin token must have at least 8 characters');
        return adminToken;
      },
    },
    AdminTokenGuard,
  ],
})
export class AdminModule {}
