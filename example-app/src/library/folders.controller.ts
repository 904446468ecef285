import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { CurrentUser } from '../auth/current-user.decorator';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { Check, Grant, Revoke } from '../nestjs-openfga';
import { Folder, LibraryDocument, LibraryStore, textField } from './library.store';

@Controller('folders')
@UseGuards(JwtAuthGuard) // class-level: runs before the OpenFgaGuard of each route's @Check
export class FoldersController {
  constructor(private readonly library: LibraryStore) {}

  /** Anyone signed in may create a folder and becomes its owner (recorded after the handler succeeded). */
  @Post()
  @Grant('owner', 'folder:{result.id}')
  create(@Body() body: unknown, @CurrentUser() userId: string): Folder {
    return this.library.createFolder(textField(body, 'name', 200), userId);
  }

  /** Viewers of the folder: direct, editors, owners, and viewers of a parent folder. */
  @Get(':id')
  @Check('viewer', 'folder:{params.id}')
  read(@Param('id') id: string): Folder & { documents: Pick<LibraryDocument, 'id' | 'title'>[] } {
    const documents = this.library.documentsIn(id).map(({ id: documentId, title }) => ({ id: documentId, title }));
    return { ...this.library.getFolder(id), documents };
  }

  /**
   * Editors of the folder create documents in it. The creator owns the new
   * document, and the document's parent is the folder, so the folder's
   * viewers and editors reach it too. Both tuples are written in one atomic
   * step after the handler returned; a handler that throws records nothing.
   */
  @Post(':id/documents')
  @Check('editor', 'folder:{params.id}')
  @Grant('owner', 'document:{result.id}')
  @Grant('parent', 'document:{result.id}', { user: 'folder:{params.id}' })
  createDocument(@Param('id') folderId: string, @Body() body: unknown, @CurrentUser() userId: string): LibraryDocument {
    const title = textField(body, 'title', 200);
    const content = textField(body, 'content', 10_000, true);
    return this.library.createDocument(folderId, title, content, userId);
  }

  /** The folder's owner shares it (and so every document in it) with a viewer. */
  @Put(':id/viewers/:userId')
  @Check('owner', 'folder:{params.id}')
  @Grant('viewer', 'folder:{params.id}', { user: 'user:{params.userId}' })
  share(@Param('id') id: string, @Param('userId') userId: string) {
    this.library.getFolder(id);
    return { folder: id, viewer: userId, shared: true };
  }

  @Delete(':id/viewers/:userId')
  @HttpCode(200)
  @Check('owner', 'folder:{params.id}')
  @Revoke('viewer', 'folder:{params.id}', { user: 'user:{params.userId}' })
  unshare(@Param('id') id: string, @Param('userId') userId: string) {
    this.library.getFolder(id);
    return { folder: id, viewer: userId, shared: false };
  }
}
