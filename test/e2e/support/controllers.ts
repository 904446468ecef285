/** Controllers exercising every decorator, shared by the HTTP e2e suites. */
import { Body, ConflictException, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { Check, CheckMode, Grant, Revoke } from '../../../src/http';

@Controller('documents')
export class DocumentsController {
  @Get(':id')
  @Check('viewer', 'document:{params.id}')
  read(@Param('id') id: string) {
    return { id };
  }

  @Get(':id/in-folder')
  @Check('viewer', 'document:{params.id}')
  @Check('viewer', 'folder:{query.folder}')
  readInFolder(@Param('id') id: string) {
    return { id };
  }

  @Get(':id/either')
  @CheckMode('any')
  @Check('viewer', 'document:{params.id}')
  @Check('viewer', 'folder:{query.folder}')
  readEither(@Param('id') id: string) {
    return { id };
  }

  @Get(':id/by-function')
  @Check('viewer', (request) => `document:${String(request.params?.id)}`)
  readByFunction(@Param('id') id: string) {
    return { id };
  }

  /**
   * Access through the folder the request names, for this check only (a contextual tuple, never written). Only to
   * exercise how templates are filled: trusting the caller's folder lets any caller name one of her own.
   */
  @Get(':id/via-folder')
  @Check('viewer', 'document:{params.id}', {
    contextualTuples: [{ user: 'folder:{query.folder}', relation: 'parent', object: 'document:{params.id}' }],
    context: { region: '{headers.x-region}', source: 'http' },
    trusted: ['query.folder', 'params.id', 'headers.x-region'],
  })
  readViaFolder(@Param('id') id: string) {
    return { id };
  }

  /** The same with function forms; both checks are asked in one batchCheck. */
  @Get(':id/via-function')
  @CheckMode('any')
  @Check('owner', 'document:{params.id}')
  @Check('viewer', 'document:{params.id}', {
    contextualTuples: (request) => [
      { user: `folder:${String(request.query?.folder)}`, relation: 'parent', object: `document:${String(request.params?.id)}` },
    ],
    context: (request) => (request.query?.bad ? { at: new Date(0) } : { region: 'eu' }),
  })
  readViaFunction(@Param('id') id: string) {
    return { id };
  }

  @Get(':id/crashing-function')
  @Check('viewer', (request) => `document:${(request.body as { missing: { id: string } }).missing.id}`)
  readCrashing() {
    return {};
  }

  @Post()
  @Grant('owner', 'document:{result.id}')
  async create(@Body() body: { id: string }) {
    await new Promise((resolve) => setImmediate(resolve)); // as if it wrote to a database
    return { id: body.id };
  }

  @Post('conflict')
  @Grant('owner', 'document:{body.id}')
  createFails() {
    throw new ConflictException('document exists');
  }

  /** The user comes whole from the body: only the request tells whether the model admits its type. */
  @Post(':id/grantees')
  @Grant('viewer', 'document:{params.id}', { user: '{body.user}' })
  addGrantee() {
    return { added: true };
  }

  @Post('without-id')
  @Grant('owner', 'document:{result.id}')
  createWithoutId() {
    return { created: true };
  }

  @Put(':id/viewers/:userId')
  @Check('owner', 'document:{params.id}')
  @Grant('viewer', 'document:{params.id}', { user: 'user:{params.userId}' })
  share() {
    return { shared: true };
  }

  @Delete(':id/viewers/:userId')
  @HttpCode(200)
  @Check('owner', 'document:{params.id}')
  @Revoke('viewer', 'document:{params.id}', { user: 'user:{params.userId}' })
  unshare() {
    return { shared: false };
  }

  @Post(':id/move')
  @HttpCode(200)
  @Revoke('parent', 'document:{params.id}', { user: 'folder:{body.from}' })
  @Grant('parent', 'document:{params.id}', { user: 'folder:{body.to}' })
  move() {
    return { moved: true };
  }
}

/** Class-level check: every route needs folder viewer; routes add their own on top. */
@Controller('folders/:folder')
@Check('viewer', 'folder:{params.folder}')
export class FoldersController {
  @Get()
  list(@Param('folder') folder: string) {
    return { folder };
  }

  @Get('documents/:id')
  @Check('editor', 'document:{params.id}')
  edit(@Param('id') id: string) {
    return { id };
  }

  @Get('documents/:id/any')
  @CheckMode('any')
  @Check('editor', 'document:{params.id}')
  @Check('owner', 'document:{params.id}')
  editAny(@Param('id') id: string) {
    return { id };
  }
}
