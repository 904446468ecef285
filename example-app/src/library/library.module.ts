import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { HeaderAuthMiddleware } from '../auth/header-auth.middleware';
import { DocumentsController } from './documents.controller';
import { FoldersController } from './folders.controller';
import { LibraryStore } from './library.store';

/** Folders and documents. OpenFgaModule is global: the decorators need no import here. */
@Module({
  controllers: [FoldersController, DocumentsController],
  providers: [LibraryStore],
})
export class LibraryModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HeaderAuthMiddleware).forRoutes(FoldersController, DocumentsController);
  }
}
