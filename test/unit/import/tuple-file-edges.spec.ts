/**
 * Edges of `tuples import` found by using the bin: bytes that are not UTF-8, a CSV header that cannot be
 * split, the span of positions a resumed run answers for, `"condition": null`, standard input.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTupleFile, tupleFileFormat } from '../../../src/import/tuple-file';
import { importTupleFile, ImportTarget } from '../../../src/import/tuple-import';
import { TupleImportError } from '../../../src/import/tuple-import.error';
import { validateTuple } from '../../../src/tuple/validate-tuple';
import { tupleFilePathProblem } from '../../../src/import/tuple-file';

const dir = mkdtempSync(join(tmpdir(), 'tuple-file-edges-'));
const file = (name: string, data: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
};
async function entries(path: string) {
  const out = [];
  for await (const e of readTupleFile(path, tupleFileFormat(path))) out.push(e);
  return out;
}
const target: ImportTarget = {
  validate: (value) => validateTuple(value, '', true),
  grantMany: async () => 'v1.1',
  clears: async () => 0,
  resumePoint: async () => undefined,
  saveResume: async () => undefined,
};

describe('bytes that are not UTF-8', () => {
  // "rené" in Latin-1: 0xE9 alone is not UTF-8; it was read as U+FFFD and the tuple imported as user:ren\uFFFD.
  const latin1 = (s: string) => Buffer.from(s, 'latin1');
  it.each([
    [
      'l1.jsonl',
      '{"user":"user:anne","relation":"viewer","object":"document:1"}\n{"user":"user:ren\xe9","relation":"viewer","object":"document:2"}\n',
      'line 2',
    ],
    ['l1.csv', 'user,relation,object\nuser:anne,viewer,document:1\nuser:ren\xe9,viewer,document:2\n', 'line 3'],
    ['l1.json', '[{"user":"user:ren\xe9","relation":"viewer","object":"document:2"}]', 'line 1'],
    [
      'l1.yaml',
      '- user: user:anne\n  relation: viewer\n  object: document:1\n- user: user:ren\xe9\n  relation: viewer\n  object: document:2\n',
      'line 4',
    ],
  ])('%s is refused, naming the line, and nothing is buffered', async (name, text, at) => {
    const path = file(name, latin1(text));
    const found = await entries(path);
    expect(found.some((e) => e.value && JSON.stringify(e.value).includes('\uFFFD'))).toBe(false);
    expect(found).toContainEqual(
      expect.objectContaining({ at: expect.stringMatching(new RegExp(`^${at}(,|$)`)), error: expect.stringMatching(/not UTF-8/) }),
    );
    await expect(importTupleFile(path, tupleFileFormat(path), target)).rejects.toBeInstanceOf(TupleImportError);
  });
});

describe('a CSV header line that cannot be split', () => {
  it('is a file problem: not counted as a tuple, the next line not taken for the header, the file not called empty', async () => {
    const path = file('badheader.csv', '"user" ,relation,object\nuser:anne,viewer,document:1\n');
    const err = (await importTupleFile(path, 'csv', target).catch((e: unknown) => e)) as TupleImportError;
    expect(err).toBeInstanceOf(TupleImportError);
    expect(err.refused).toBe(0);
    expect(err.message).toMatch(/line 1: .*header/);
    expect(err.message).not.toMatch(/found user:anne|the file is empty/);
    const only = (await importTupleFile(file('badheader-only.csv', '"user"x,relation,object\n'), 'csv', target).catch(
      (e: unknown) => e,
    )) as TupleImportError;
    expect(only.message).not.toMatch(/the file is empty/);
  });
});

describe('a run that resumes keeps the span of the run it resumes', () => {
  it('reports where the interrupted run began, so --wait counts its dead letters, and saves it on', async () => {
    const path = file(
      'span.jsonl',
      [1, 2, 3, 4].map((i) => JSON.stringify({ user: 'user:a', relation: 'viewer', object: `document:${i}` })).join('\n'),
    );
    const saved: unknown[] = [];
    const resumed: ImportTarget = {
      ...target,
      resumePoint: async () => ({ done: 2, clears: 0, after: 5 }),
      saveResume: async (_h, point) => void saved.push(point),
    };
    const result = await importTupleFile(path, 'jsonl', resumed, { chunk: 1, after: 40 });
    expect(result).toMatchObject({ resumedAt: 2, buffered: 2, after: 5 });
    expect(saved).toEqual([{ done: 3, clears: 0, after: 5 }, { done: 4, clears: 0, after: 5 }, undefined]);
    // A first run saves its own start.
    const fresh: unknown[] = [];
    const first = await importTupleFile(
      path,
      'jsonl',
      { ...target, saveResume: async (_h, p) => void fresh.push(p) },
      { chunk: 2, after: 40 },
    );
    expect(first.after).toBe(40);
    expect(fresh[0]).toEqual({ done: 2, clears: 0, after: 40 });
  });
});

describe('what OpenFGA and shells hand over', () => {
  it('takes "condition": null (OpenFGA\'s Read API writes it for a tuple without one) as no condition', async () => {
    const granted: unknown[] = [];
    const path = file('null-cond.json', '[{"user":"user:anne","relation":"viewer","object":"document:1","condition":null}]');
    const result = await importTupleFile(path, 'json', { ...target, grantMany: async (t) => (granted.push(...t), 'v1.1') });
    expect(result).toMatchObject({ total: 1, buffered: 1 });
    expect(granted).toEqual([{ user: 'user:anne', relation: 'viewer', object: 'document:1' }]);
  });

  it('refuses standard input ("-") by name: the file is read twice', async () => {
    expect(await tupleFilePathProblem('-')).toMatch(/^standard input \("-"\) cannot be imported: the file is read twice/);
  });
});
