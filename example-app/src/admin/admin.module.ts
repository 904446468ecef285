import { DynamicModule, Module } from '@nestjs/common';
import { ADMIN_TOKEN, AdminTokenGuard } from '../auth/admin-token.guard';
import { AdminController } from './admin.controller';

@Module({})
export class AdminModule {
  static register(adminToken: string): DynamicModule {
    if (adminToken.length < 8) throw new Error('The admin token must have at least 8 characters');
    return {
      module: AdminModule,
      controllers: [AdminController],
      providers: [{ provide: ADMIN_TOKEN, useValue: adminToken }, AdminTokenGuard],
    };
  }
}
