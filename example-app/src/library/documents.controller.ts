import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Put, UseGuards } from '@nestjs/common';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { Check, Grant, Revoke } from '../nestjs-openfga';
import { LibraryDocument, LibraryStore, textField } from './library.store';

@Controller('documents')
@UseGuards(JwtAuthGuard) // class-level: runs before the OpenFgaGuard of each route's @Check
export class DocumentsController {
  constructor(private readonly library: LibraryStore) {}

  /** Viewers: direct, editors and owners, and viewers of the parent folder (derived in OpenFGA). */
  @Get(':id')
  @Check('viewer', 'document:{params.id}')
  read(@Param('id') id: string): LibraryDocument {
    return this.library.getDocument(id);
  }

  @Patch(':id')
  @Check('editor', 'document:{params.id}')
  update(@Param('id') id: string, @Body() body: unknown): LibraryDocument {
    return this.library.updateDocument(id, textField(body, 'content', 10_000));
  }

  /**
   * Only the owner shares. The grant is in Redis when the response is sent, so
   * the new viewer's next request is allowed at once; the response carries an
   * `X-Consistency-Token` a client may send back for checks that must see it.
   */
  @Put(':id/viewers/:userId')
  @Check('owner', 'document:{params.id}')
  @Grant('viewer', 'document:{params.id}', { user: 'user:{params.userId}' })
  shareWithViewer(@Param('id') id: string, @Param('userId') userId: string) {
    this.library.getDocument(id);
    return { document: id, viewer: userId, shared: true };
  }

  @Delete(':id/viewers/:userId')
  @HttpCode(200)
  @Check('owner', 'document:{params.id}')
  @Revoke('viewer', 'document:{params.id}', { user: 'user:{params.userId}' })
  unshareViewer(@Param('id') id: string, @Param('userId') userId: string) {
    this.library.getDocument(id);
    return { document: id, viewer: userId, shared: false };
  }

  @Put(':id/editors/:userId')
  @Check('owner', 'document:{params.id}')
  @Grant('editor', 'document:{params.id}', { user: 'user:{params.userId}' })
  shareWithEditor(@Param('id') id: string, @Param('userId') userId: string) {
    this.library.getDocument(id);
    return { document: id, editor: userId, shared: true };
  }

  @Delete(':id/editors/:userId')
  @HttpCode(200)
  @Check('owner', 'document:{params.id}')
  @Revoke('editor', 'document:{params.id}', { user: 'user:{params.userId}' })
  unshareEditor(@Param('id') id: string, @Param('userId') userId: string) {
    this.library.getDocument(id);
    return { document: id, editor: userId, shared: false };
  }
}
