/**
 * The P6 app (Nest on Express, loopback only): one route without a guard, the
 * same route behind `@Check`, and behind the minimal stand-in guard.
 */
import { Controller, Get, INestApplication, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { OpenFgaModule } from '../../../src/openfga.module';
import type { OpenFgaModuleOptions } from '../../../src/options/openfga-options.interface';
import { BenchCheck } from './bench-check.guard';
import { Check } from './check';

export const ROUTES = {
  open: '/documents/open',
  check: '/documents/checked',
  minimal: '/documents/minimal',
} as const;

@Controller('documents')
class DocumentsController {
  @Get('open/:id')
  open(@Param('id') id: string) {
    return { id };
  }

  @Get('checked/:id')
  @Check('viewer', 'document:{params.id}')
  checked(@Param('id') id: string) {
    return { id };
  }

  @Get('minimal/:id')
  @BenchCheck('viewer', 'document:{params.id}')
  minimal(@Param('id') id: string) {
    return { id };
  }
}

export interface DocumentsApp {
  app: INestApplication;
  baseUrl: string;
}

export async function startDocumentsApp(options: OpenFgaModuleOptions): Promise<DocumentsApp> {
  @Module({ imports: [OpenFgaModule.forRoot(options)], controllers: [DocumentsController] })
  class DocumentsModule {}

  const app = await NestFactory.create(DocumentsModule, { logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, baseUrl: `http://127.0.0.1:${port}` };
}
