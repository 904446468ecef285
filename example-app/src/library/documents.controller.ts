import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { CurrentUser } from '../auth/current-user.decorator';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { Check, CheckUnavailableError, Grant, ListUnavailableError, OpenFgaService, Revoke } from '../nestjs-openfga';
import { idField, idListField, integerField, LibraryDocument, LibraryStore, textField } from './library.store';
import { requestTime, TEMPORARY_SHARE_CONDITION, withRequestTime } from './request-time';

/** What the time-limited share route answers; its `@Grant` condition is computed from it. */
interface TemporaryShare {
  document: string;
  viewer: string;
  shared: true;
  seconds: number;
  grantedAt: string;
  expiresAt: string;
}

/** At most this many documents per `POST /documents/access` (three checks each, one BatchCheck). */
export const MAX_ACCESS_IDS = 50;
/** A time-limited share lasts at most a day. */
export const MAX_TEMPORARY_SECONDS = 86_400;

const ACCESS_RELATIONS = ['viewer', 'editor', 'owner'] as const;
type Access = Record<(typeof ACCESS_RELATIONS)[number], boolean>;

@Controller('documents')
@UseGuards(JwtAuthGuard) // class-level: runs before the OpenFgaGuard of each route's @Check
export class DocumentsController {
  constructor(
    private readonly library: LibraryStore,
    private readonly openfga: OpenFgaService,
  ) {}

  /**
   * "List my documents": every document the caller may view, a share granted a
   * moment ago (still buffered) included and one revoked a moment ago not.
   * No complete list → 503, never a partial one.
   */
  @Get()
  async listMine(@CurrentUser() userId: string): Promise<Pick<LibraryDocument, 'id' | 'title'>[]> {
    let objects: string[];
    try {
      objects = await this.openfga.listObjects(`user:${userId}`, 'viewer', 'document', { context: requestTime() });
    } catch (err) {
      if (err instanceof ListUnavailableError || err instanceof CheckUnavailableError) {
        throw new ServiceUnavailableException('Your documents could not be listed');
      }
      throw err;
    }
    return objects.flatMap((object) => {
      const document = this.library.findDocument(object.slice('document:'.length));
      return document ? [{ id: document.id, title: document.title }] : [];
    });
  }

  /**
   * What the caller may do with each of `ids` (1 to 50), in one batchCheck:
   * `{ [id]: { viewer, editor, owner } }`. An item that could not be answered reads as false.
   */
  @Post('access')
  @HttpCode(200)
  async access(@Body() body: unknown, @CurrentUser() userId: string): Promise<Record<string, Access>> {
    const ids = idListField(body, 'ids', MAX_ACCESS_IDS);
    const context = requestTime();
    const answers = await this.openfga.batchCheck(
      ids.flatMap((id) =>
        ACCESS_RELATIONS.map((relation) => ({
          user: `user:${userId}`,
          relation,
          object: `document:${id}`,
          // Only viewer reads time-limited tuples; editor and owner stay cacheable without a context.
          ...(relation === 'viewer' ? { context } : {}),
        })),
      ),
    );
    const result: Record<string, Access> = {};
    ids.forEach((id, i) => {
      const [viewer, editor, owner] = answers.slice(i * 3, i * 3 + 3).map((a) => a.allowed && !a.error);
      result[id] = { viewer, editor, owner };
    });
    return result;
  }

  /** Viewers: direct (also time-limited), editors and owners, and viewers of the parent folder (derived in OpenFGA). */
  @Get(':id')
  @Check('viewer', 'document:{params.id}', withRequestTime)
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

  /**
   * A share for `seconds` (1 to 86,400): a viewer tuple with the `non_expired_grant`
   * condition, evaluated by OpenFGA at each check against the request's time.
   * It replaces a permanent share of the same user (last operation wins); the
   * revoke route ends either.
   */
  @Put(':id/viewers/:userId/temporary')
  @Check('owner', 'document:{params.id}')
  @Grant<TemporaryShare>('viewer', 'document:{params.id}', {
    user: 'user:{params.userId}',
    // Recorded after the handler validated the input and returned (nothing is recorded when it throws).
    condition: (_req, share) => ({
      name: TEMPORARY_SHARE_CONDITION,
      context: { grant_time: share.grantedAt, grant_duration: `${share.seconds}s` },
    }),
  })
  shareTemporarily(@Param('id') id: string, @Param('userId') userId: string, @Body() body: unknown): TemporaryShare {
    idField(userId, 'userId');
    const seconds = integerField(body, 'seconds', 1, MAX_TEMPORARY_SECONDS);
    this.library.getDocument(id);
    const grantedAt = new Date();
    return {
      document: id,
      viewer: userId,
      shared: true,
      seconds,
      grantedAt: grantedAt.toISOString(),
      expiresAt: new Date(grantedAt.getTime() + seconds * 1000).toISOString(),
    };
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
