import { Module } from '@nestjs/common';
import { DocumentsController } from './documents.controller';
import { FoldersController } from './folders.controller';
import { LibraryStore } from './library.store';

/** Folders and documents. OpenFgaModule is global: the decorators need no import here. Authentication: JwtAuthGuard on each controller. */
@Module({
  controllers: [FoldersController, DocumentsController],
  providers: [LibraryStore],
})
export class LibraryModule {}
