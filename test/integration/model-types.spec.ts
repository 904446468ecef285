/**
 * `nestjs-openfga model types`: the shipped bin (compiled, see test/support/processes/compiled.ts; with no
 * environment: no Redis or OpenFGA needed) writes the types of a .fga model;
 * the TypeScript compiler then accepts correct typed usage and rejects a
 * relation the object's type lacks, naming it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { PROJECT_ROOT } from '../support/harness/servers';
import { compiledBin } from '../support/processes/compiled';

const BIN = compiledBin();
const COMPILE_TIMEOUT_MS = 180_000;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBin(args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: PROJECT_ROOT,
      // Deliberately no OPENFGA_* variables.
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The project's compiler options, with `nestjs-openfga` resolved to this checkout's source. */
function compilerOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile(join(PROJECT_ROOT, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, PROJECT_ROOT);
  return {
    ...options,
    noEmit: true,
    types: ['node'],
    baseUrl: PROJECT_ROOT,
    paths: { 'nestjs-openfga': ['src/index.ts'], '*': ['node_modules/*', 'node_modules/@types/*'] },
  };
}

/** `'"viewer" | "owner"'` → `'"owner" | "viewer"'`: the compiler's order of union members is not stable. */
function sortUnions(message: string): string {
  return message.replace(/'("[^"]*"(?: \| "[^"]*")+)'/g, (_, union: string) => `'${union.split(' | ').sort().join(' | ')}'`);
}

/** Diagnostics per file name (the base name of files in `dir`; `(elsewhere)` for the rest). */
function compile(dir: string, files: string[]): Map<string, string[]> {
  const program = ts.createProgram(
    files.map((f) => join(dir, f)),
    compilerOptions(),
  );
  const byFile = new Map<string, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file?.fileName.startsWith(dir) ? d.file.fileName.slice(dir.length + 1) : '(elsewhere)';
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    const list = byFile.get(file) ?? [];
    list.push(`${line}: ${sortUnions(ts.flattenDiagnosticMessageText(d.messageText, '\n'))}`);
    byFile.set(file, list);
  }
  return byFile;
}

describe('nestjs-openfga model types', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'openfga-types-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const generate = async (model: string) => {
    const run = await runBin(['model', 'types', join(PROJECT_ROOT, model), '--out', join(dir, 'openfga.types.ts')]);
    expect(run).toMatchObject({ code: 0, stdout: '' });
    expect(run.stderr).toContain(`to ${join(dir, 'openfga.types.ts')}`);
    return readFileSync(join(dir, 'openfga.types.ts'), 'utf8');
  };

  it(
    'test/fixtures/model.fga: typed usage compiles, a relation the type lacks does not (naming it)',
    async () => {
      const types = await generate('test/fixtures/model.fga');
      expect(types).toContain(`  document: {\n    owner: 'user';\n    parent: 'folder';`);
      expect(types).toContain(`    viewer: 'user' | 'user:*' | 'group#member';`);
      expect(types).toContain('  user: Record<never, never>;');
      writeFileSync(
        join(dir, 'good.ts'),
        `import { Controller, Get, Post } from '@nestjs/common';
import { Check as UntypedCheck, OpenFgaService } from 'nestjs-openfga';
import { Check, Grant, ObjectId, Relation, Revoke, typed } from './openfga.types';

@Check('viewer', 'folder:{params.folder}')
@Controller('folders/:folder/documents')
export class DocumentsController {
  @Get(':id')
  @Check('viewer', 'document:{params.id}')
  @Check('member', 'group:{query.team}')
  @Check('editor', (request) => \`document:\${String(request.params?.id)}\`)
  @Check('viewer', '{query.object}')
  show() {}

  @Post()
  @Grant('owner', 'document:{result.id}')
  @Grant('viewer', 'document:{result.id}', { user: 'group:{body.team}#member' })
  @Revoke<'document', { id: string }>('parent', (_request, doc) => \`document:\${doc.id}\`, { user: 'folder:{params.folder}' })
  create() {
    return { id: '1' };
  }

  // Untyped decorators keep working unchanged.
  @Get('legacy')
  @UntypedCheck('anything', 'whatever:{params.id}')
  legacy() {}
}

export async function share(service: OpenFgaService, id: string): Promise<boolean> {
  const fga = typed(service);
  const doc: ObjectId<'document'> = \`document:\${id}\`;
  const relation: Relation<'document'> = 'editor';
  await fga.grant('user:anne', relation, doc);
  await fga.revoke('group:eng#member', 'member', 'group:all');
  await fga.grantMany([{ user: 'user:anne', relation: 'viewer', object: 'folder:a' }]);
  await service.grant('user:anne', 'untyped_is_unchanged', 'anything:1');
  return fga.check('user:anne', 'viewer', doc);
}
`,
      );
      writeFileSync(
        join(dir, 'bad.ts'),
        `import { Controller, Get } from '@nestjs/common';
import { OpenFgaService } from 'nestjs-openfga';
import { Check, Grant, typed } from './openfga.types';

@Controller('documents')
export class DocumentsController {
  @Get(':id')
  @Check('veiwer', 'document:{params.id}')
  show() {}

  @Get()
  @Grant('owner', 'documnt:{result.id}')
  list() {}
}

export async function share(service: OpenFgaService): Promise<void> {
  await typed(service).grant('user:anne', 'member', 'document:1');
}
`,
      );
      const diagnostics = compile(dir, ['good.ts', 'bad.ts']);
      expect(diagnostics.get('good.ts')).toBeUndefined();
      expect(diagnostics.get('openfga.types.ts')).toBeUndefined();
      expect(diagnostics.get('(elsewhere)')).toBeUndefined();
      expect(diagnostics.get('bad.ts')).toEqual([
        `8: Argument of type '"veiwer"' is not assignable to parameter of type '"editor" | "owner" | "parent" | "viewer"'.`,
        expect.stringMatching(/^12: Argument of type '"documnt:\{result\.id\}"' is not assignable to parameter of type/),
        `17: Argument of type '"member"' is not assignable to parameter of type '"editor" | "owner" | "parent" | "viewer"'.`,
      ]);
    },
    COMPILE_TIMEOUT_MS,
  );

  it(
    'example-app/model.fga: the example app types compile, a typo does not',
    async () => {
      const types = await generate('example-app/model.fga');
      expect(types).toContain('export type OpenFgaModel = {\n  user: Record<never, never>;\n  folder: {');
      writeFileSync(
        join(dir, 'good.ts'),
        `import { Controller, Delete, Get } from '@nestjs/common';
import { Check, Revoke } from './openfga.types';

@Controller('folders/:folderId/documents')
export class DocumentsController {
  @Get(':id')
  @Check('viewer', 'document:{params.id}')
  read() {}

  @Delete(':id/viewers/:userId')
  @Check('owner', 'document:{params.id}')
  @Revoke('viewer', 'document:{params.id}', { user: 'user:{params.userId}' })
  unshare() {}
}
`,
      );
      writeFileSync(
        join(dir, 'bad.ts'),
        `import { Controller, Get } from '@nestjs/common';
import { Check } from './openfga.types';

@Controller('documents')
export class DocumentsController {
  @Get(':id')
  @Check('veiwer', 'document:{params.id}')
  read() {}

  @Get(':id/members')
  @Check('viewer', 'document:{params.id}', { user: 'group:{query.team}#member' })
  members() {}
}
`,
      );
      const diagnostics = compile(dir, ['good.ts', 'bad.ts']);
      expect(diagnostics.get('good.ts')).toBeUndefined();
      expect(diagnostics.get('openfga.types.ts')).toBeUndefined();
      expect(diagnostics.get('(elsewhere)')).toBeUndefined();
      expect(diagnostics.get('bad.ts')).toEqual([
        `7: Argument of type '"veiwer"' is not assignable to parameter of type '"editor" | "owner" | "parent" | "viewer"'.`,
        // The example model has no group type.
        expect.stringMatching(/^11: Type '"group:\{query\.team\}#member"' is not assignable to type/),
      ]);
    },
    COMPILE_TIMEOUT_MS,
  );

  it(
    'the typed service takes conditional grants (ABAC) as the untyped one does, and still types their relations',
    async () => {
      const types = await generate('test/fixtures/temporal-access.fga');
      expect(types).toContain(`    viewer: 'user' | 'group#member';`);
      writeFileSync(
        join(dir, 'conditional.ts'),
        `import type { OpenFgaService } from 'nestjs-openfga';
import { typed } from './openfga.types';

const expiring = { name: 'non_expired_grant', context: { grant_time: '2026-01-01T00:00:00Z', grant_duration: '1h' } };

export async function share(service: OpenFgaService): Promise<void> {
  const fga = typed(service);
  await fga.grant('user:anne', 'viewer', 'document:1', { condition: expiring });
  await fga.grantMany([{ user: 'user:anne', relation: 'viewer', object: 'document:1', condition: expiring }]);
  await fga.grant('user:anne', 'member', 'document:1', { condition: expiring });
  await fga.grantMany([{ user: 'user:anne', relation: 'member', object: 'document:1', condition: expiring }]);
  await fga.revokeMany([{ user: 'user:anne', relation: 'viewer', object: 'document:1', condition: expiring }]);
}
`,
      );
      const diagnostics = compile(dir, ['conditional.ts']);
      expect(diagnostics.get('openfga.types.ts')).toBeUndefined();
      expect(diagnostics.get('(elsewhere)')).toBeUndefined();
      expect(diagnostics.get('conditional.ts')).toEqual([
        `10: Argument of type '"member"' is not assignable to parameter of type '"editor" | "owner" | "viewer"'.`,
        expect.stringMatching(/^11: Type '\{ user: string; relation: "member"; object: "document:1";.* is not assignable to type/s),
        expect.stringMatching(/^12: Object literal may only specify known properties, and 'condition' does not exist/),
      ]);
    },
    COMPILE_TIMEOUT_MS,
  );

  it('--types-only: only the model types, no import; stdout without --out', async () => {
    const run = await runBin(['model', 'types', join(PROJECT_ROOT, 'example-app/model.fga'), '--types-only']);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('import');
    expect(run.stdout).toContain('export type Relation<T extends ObjectType = ObjectType>');
    expect(run.stdout).not.toContain('openFgaDecorators');
  });

  it('--connection: the typed decorators are bound to a named connection (one file per store model)', async () => {
    const run = await runBin(['model', 'types', join(PROJECT_ROOT, 'example-app/model.fga'), '--connection', 'billing']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`export const { Check, Grant, Revoke } = openFgaDecorators<OpenFgaModel>('billing');`);
    const bad = await runBin(['model', 'types', join(PROJECT_ROOT, 'example-app/model.fga'), '--connection', 'bill ing']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--connection must be a connection name/);
  });

  it('reads a JSON model (a ReadAuthorizationModel response) too', async () => {
    const model = {
      authorization_model: {
        schema_version: '1.1',
        type_definitions: [
          { type: 'user', relations: {} },
          {
            type: 'team',
            relations: { 'lead-of': { this: {} }, member: { computedUserset: { relation: 'lead-of' } } },
            metadata: { relations: { 'lead-of': { directly_related_user_types: [{ type: 'user' }] }, member: {} } },
          },
        ],
      },
    };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(model));
    const run = await runBin(['model', 'types', join(dir, 'model.json'), '--types-only']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`  team: {\n    'lead-of': 'user';\n    member: never;\n  };`);
  });

  it('fails with exit code 1 naming the file on a model that is not valid, and 2 on a bad --out', async () => {
    writeFileSync(join(dir, 'broken.fga'), 'model\n  schema 1.1\n\ntype document\n  relations\n    define viewer: [usr]\n');
    const broken = await runBin(['model', 'types', join(dir, 'broken.fga')]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`"${join(dir, 'broken.fga')}" is not a valid OpenFGA model`);
    expect(broken.stderr).toContain('usr');
    const missing = await runBin(['model', 'types', join(dir, 'missing.fga')]);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toContain(`cannot read the model file "${join(dir, 'missing.fga')}" (ENOENT)`);
    const badOut = await runBin(['model', 'types', join(PROJECT_ROOT, 'test/fixtures/model.fga'), '--out', join(dir, 'types.js')]);
    expect(badOut.code).toBe(2);
    expect(badOut.stderr).toContain('--out must name a .ts file');
  });
});
