/**
 * The import's reading and its two passes, with a fake target (the module
 * side is tested on the real servers through the CLI): every format yields
 * the same tuples; a bad tuple anywhere is named by its line and nothing is
 * buffered; an interrupted import resumes where it stopped.
 */
import { appendFileSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsvLine } from '../../../src/import/csv-line';
import { readTupleFile, tupleFileFormat, tupleFilePathProblem } from '../../../src/import/tuple-file';
import { importTupleFile, ImportTarget, ResumePoint } from '../../../src/import/tuple-import';
import { TupleImportError, TupleImportStoppedError } from '../../../src/import/tuple-import.error';
import type { ConditionalTuple } from '../../../src/tuple/tuple';
import { validateTuple } from '../../../src/tuple/validate-tuple';

const dir = mkdtempSync(join(tmpdir(), 'tuple-import-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const EXPECTED: ConditionalTuple[] = [
  { user: 'user:anne', relation: 'viewer', object: 'document:1' },
  { user: 'group:eng#member', relation: 'viewer', object: 'document:2' },
  { user: 'user:bob', relation: 'viewer', object: 'document:3', condition: { name: 'non_expired', context: { expires: 'x,y' } } },
];

const FILES = {
  'tuples.jsonl': EXPECTED.map((t) => JSON.stringify(t)).join('\n') + '\n\n',
  'tuples.csv': [
    'user_type,user_id,user_relation,relation,object_type,object_id,condition_name,condition_context',
    'user,anne,,viewer,document,1,,',
    'group,eng,member,viewer,document,2,,',
    'user,bob,,viewer,document,3,non_expired,"{""expires"":""x,y""}"',
  ].join('\n'),
  'plain.csv': [
    'user,relation,object,condition_name,condition_context',
    'user:anne,viewer,document:1,,',
    'group:eng#member,viewer,document:2,,',
    'user:bob,viewer,document:3,non_expired,"{""expires"":""x,y""}"',
  ].join('\n'),
  'tuples.json': JSON.stringify(EXPECTED, null, 2),
  'tuples.yaml': [
    '- user: user:anne',
    '  relation: viewer',
    '  object: document:1',
    '- user: group:eng#member',
    '  relation: viewer',
    '  object: document:2',
    '- user: user:bob',
    '  relation: viewer',
    '  object: document:3',
    '  condition:',
    '    name: non_expired',
    '    context:',
    '      expires: "x,y"',
  ].join('\n'),
};

async function entries(path: string) {
  const out = [];
  for await (const e of readTupleFile(path, tupleFileFormat(path))) out.push(e);
  return out;
}

/** A target that grants into memory; `resume` is a saved place, `clears` the buffer's clear count. */
function fakeTarget(resume?: ResumePoint, options: { clears?: number; beforeSecondPass?: () => void } = {}) {
  const granted: ConditionalTuple[][] = [];
  const saved: (ResumePoint | undefined)[] = [];
  const state = { clears: options.clears ?? 0 };
  const target: ImportTarget = {
    validate: (value) => validateTuple(value, '', true),
    grantMany: async (tuples) => {
      granted.push(tuples);
      return `v1.${granted.length}`;
    },
    clears: async () => state.clears,
    resumePoint: async () => {
      // Called once, between the validation pass and the buffering pass.
      options.beforeSecondPass?.();
      return resume;
    },
    saveResume: async (_hash, point) => {
      saved.push(point);
    },
  };
  return { target, granted, saved, state };
}

describe('tuple files', () => {
  it.each(Object.keys(FILES))('%s yields the same tuples', async (name) => {
    const path = file(name, FILES[name as keyof typeof FILES]);
    expect((await entries(path)).map((e) => e.value)).toEqual(EXPECTED);
  });

  it('names where each tuple is: its line, or its item in a JSON array', async () => {
    expect((await entries(file('at.yaml', FILES['tuples.yaml']))).map((e) => e.at)).toEqual(['line 1', 'line 4', 'line 7']);
    expect((await entries(file('at.jsonl', FILES['tuples.jsonl']))).map((e) => e.at)).toEqual(['line 1', 'line 2', 'line 3']);
    expect((await entries(file('at.json', FILES['tuples.json']))).map((e) => e.at)).toEqual(['item 1', 'item 2', 'item 3']);
  });

  it('refuses an unknown extension or format, and a CSV without the columns', async () => {
    expect(() => tupleFileFormat('tuples.txt')).toThrow(/cannot tell the format of "tuples.txt"/);
    expect(() => tupleFileFormat('tuples.txt', 'xml')).toThrow(/--format must be one of jsonl, csv, json, yaml/);
    expect(await entries(file('bad.csv', 'who,what\na,b'))).toEqual([
      { at: 'line 1', error: expect.stringMatching(/header must name the columns/), fatal: true },
    ]);
  });

  it('splits CSV lines with quoted cells and doubled quotes', () => {
    expect(parseCsvLine('a,"b,c",,"d ""e"""')).toEqual(['a', 'b,c', '', 'd "e"']);
    expect(parseCsvLine('a,')).toEqual(['a', '']);
    expect(() => parseCsvLine('"open')).toThrow(/not closed/);
  });
});

describe('importTupleFile', () => {
  it('buffers in calls of `chunk` and forgets its place once done', async () => {
    const path = file('ok.jsonl', FILES['tuples.jsonl']);
    const { target, granted, saved } = fakeTarget();
    const result = await importTupleFile(path, 'jsonl', target, { chunk: 2 });
    expect(result).toEqual({ total: 3, buffered: 3, resumedAt: 0, clears: 0, token: 'v1.2' });
    expect(granted).toEqual([EXPECTED.slice(0, 2), EXPECTED.slice(2)]);
    expect(saved).toEqual([{ done: 2, clears: 0 }, { done: 3, clears: 0 }, undefined]);
  });

  it('names every bad tuple by its line and buffers nothing', async () => {
    const lines = [
      JSON.stringify(EXPECTED[0]),
      '{"user":"anne","relation":"viewer","object":"document:1"}',
      'not json',
      JSON.stringify({ ...EXPECTED[1], extra: 1 }),
    ];
    const { target, granted } = fakeTarget();
    const err = await importTupleFile(file('bad.jsonl', lines.join('\n')), 'jsonl', target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TupleImportError);
    expect((err as TupleImportError).refused).toBe(3);
    expect((err as TupleImportError).problems).toEqual([
      expect.stringMatching(/^line 2: Invalid user "anne"/),
      expect.stringMatching(/^line 3: not JSON/),
      expect.stringMatching(/^line 4: Invalid extra/),
    ]);
    expect(granted).toEqual([]);
  });

  it('resumes after the tuples an interrupted import buffered, unless told to restart', async () => {
    const path = file('resume.jsonl', FILES['tuples.jsonl']);
    const resumed = fakeTarget({ done: 2, clears: 0 });
    expect(await importTupleFile(path, 'jsonl', resumed.target)).toMatchObject({ buffered: 1, resumedAt: 2 });
    expect(resumed.granted).toEqual([EXPECTED.slice(2)]);
    const restarted = fakeTarget({ done: 2, clears: 0 });
    expect(await importTupleFile(path, 'jsonl', restarted.target, { restart: true })).toMatchObject({ buffered: 3, resumedAt: 0 });
  });
});

/** The error an import fails with (or fails the test). */
async function importError(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (err: unknown) => ({ err }),
  );
  if (!('err' in outcome)) throw new Error(`expected the import to fail, it returned ${JSON.stringify(outcome.value)}`);
  return outcome.err as Error;
}

describe('a saved place and clears (review #1)', () => {
  it('ignores a place saved before the buffer was cleared, and imports from the first tuple', async () => {
    const path = file('cleared.jsonl', FILES['tuples.jsonl']);
    // Saved at clear count 0; a clear began since (count 1): the 2 tuples it counts may be discarded.
    const { target, granted, saved } = fakeTarget({ done: 2, clears: 0 }, { clears: 1 });
    const result = await importTupleFile(path, 'jsonl', target, { chunk: 2 });
    expect(result).toMatchObject({ total: 3, buffered: 3, resumedAt: 0, staleResumeAt: 2, clears: 1 });
    expect(granted.flat()).toEqual(EXPECTED);
    // The new places record the current count.
    expect(saved).toEqual([{ done: 2, clears: 1 }, { done: 3, clears: 1 }, undefined]);
  });

  it('stops with buffer-cleared when a clear begins during the import, and forgets its place', async () => {
    const path = file('clear-during.jsonl', FILES['tuples.jsonl']);
    const fake = fakeTarget();
    const grant = fake.target.grantMany;
    fake.target.grantMany = async (tuples) => {
      fake.state.clears++;
      return grant(tuples);
    };
    const err = await importError(importTupleFile(path, 'jsonl', fake.target, { chunk: 2 }));
    expect(err).toBeInstanceOf(TupleImportStoppedError);
    expect((err as TupleImportStoppedError).reason).toBe('buffer-cleared');
    expect(err.message).toMatch(/the buffer was cleared \(openfga:cache:clear\) during the import.*Run the import again/);
    expect(fake.saved.at(-1)).toBeUndefined();
  });
});

describe('CSV headers (review #2, #3)', () => {
  it.each([
    ['user_relation beside user', 'user,user_relation,relation,object', /unknown CSV column user_relation .*userset goes in the user cell/],
    ['a mixed header', 'user,relation,object_type,object_id', /mixes its two forms/],
    ['an unknown column', 'user,relation,object,note', /unknown CSV column note for a header with user\/object/],
    ['an empty column (trailing comma)', 'user,relation,object,', /CSV header column 4 is empty/],
    ['a column named twice', 'user,relation,object,relation', /CSV header column relation named twice/],
    ['a CLI column named twice', 'user_type,user_id,relation,object_type,object_id,user_id', /column user_id named twice/],
    ['a required column missing', 'user_type,user_id,relation,object_type', /lacks the column object_id/],
  ])('refuses %s, naming the column and the header forms; nothing is buffered', async (_what, header, message) => {
    const path = file('header.csv', `${header}\ngroup:eng,member,viewer,folder:1,x\n`);
    const { target, granted } = fakeTarget();
    const err = await importError(importTupleFile(path, 'csv', target));
    expect(err).toBeInstanceOf(TupleImportError);
    expect(err.message).toMatch(message);
    expect((err as TupleImportError).refused).toBe(0);
    expect(err.message).toMatch(/^.*header\.csv: line 1: .*; nothing was buffered$/s);
    if (!/twice|empty/.test(String(message))) expect(err.message).toMatch(/user_type,user_id,user_relation,relation,object_type,object_id/);
    expect(granted).toEqual([]);
  });

  it('reads a user_relation with the OpenFGA CLI columns, in any order', async () => {
    const path = file('order.csv', 'object_id,object_type,relation,user_relation,user_id,user_type\n2,document,viewer,member,eng,group\n');
    expect((await entries(path)).map((e) => e.value)).toEqual([EXPECTED[1]]);
  });
});

describe('a file that changes during the import (review #5)', () => {
  /** ~400 KB of JSON lines: more than one 256 KiB block. */
  const BIG = Array.from({ length: 4000 }, (_, i) =>
    JSON.stringify({ user: `user:u${i}`, relation: 'viewer', object: `document:d${i}`, pad: 'x'.repeat(40) }),
  );
  const validateNoPad = (value: unknown) => {
    const { pad: _pad, ...tuple } = value as Record<string, unknown>;
    return validateTuple(tuple, '', true);
  };

  it.each([
    ['a line appended', (path: string) => appendFileSync(path, `${JSON.stringify(EXPECTED[0])}\n`)],
    [
      'a line edited in place',
      (path: string) => writeFileSync(path, readFileSync(path, 'utf8').replace('document:d3999', 'document:dX999')),
    ],
    ['a bad line appended', (path: string) => appendFileSync(path, 'not json at all\n{"user":"user:x","relation":"vewer"}\n')],
    ['the file truncated', (path: string) => truncateSync(path, 300_000)],
    ['the file truncated at a block end', (path: string) => truncateSync(path, 256 * 1024)],
    ['the file replaced', (path: string) => writeFileSync(path, `${JSON.stringify(EXPECTED[0])}\n`)],
  ])('%s: stops with "the file changed", having buffered only tuples as validated', async (_what, change) => {
    const path = file('changing.jsonl', `${BIG.join('\n')}\n`);
    const fake = fakeTarget(undefined, { beforeSecondPass: () => change(path) });
    fake.target.validate = validateNoPad;
    const err = await importError(importTupleFile(path, 'jsonl', fake.target, { chunk: 100 }));
    expect(err).toBeInstanceOf(TupleImportStoppedError);
    expect((err as TupleImportStoppedError).reason).toBe('file-changed');
    expect(err.message).toMatch(
      /changing\.jsonl: the file changed during the import \(.*\): \d+ of the 4000 tuples validated were buffered/,
    );
    const granted = fake.granted.flat();
    // Only the unchanged first block's whole lines, exactly as validated, and the saved place says no more.
    expect(granted.length).toBeLessThan(2600);
    expect(granted).toEqual(BIG.slice(0, granted.length).map((line) => validateNoPad(JSON.parse(line))));
    expect(fake.saved.every((p) => p === undefined || p.done <= granted.length)).toBe(true);
    expect((err as TupleImportStoppedError).buffered).toBe(granted.length);
  });

  it('stops when a tuple validated a moment before is refused on the buffering pass (the model changed)', async () => {
    const path = file('model-changed.jsonl', FILES['tuples.jsonl']);
    const fake = fakeTarget();
    let calls = 0;
    fake.target.validate = (value) => {
      if (++calls === 5) throw new Error('relation: "viewer" is not a relation of document');
      return validateTuple(value, '', true);
    };
    const err = await importError(importTupleFile(path, 'jsonl', fake.target, { chunk: 1 }));
    expect((err as TupleImportStoppedError).reason).toBe('refused-on-second-pass');
    expect(err.message).toMatch(/line 2: relation: "viewer" is not a relation of document, though it passed validation/);
    expect(fake.granted).toEqual([[EXPECTED[0]]]);
  });
});

describe('byte order marks, empty files, file problems (review #6, #7, #8)', () => {
  const BOM = '\uFEFF';
  it.each(Object.keys(FILES))('%s with a UTF-8 byte order mark yields the same tuples', async (name) => {
    const path = file(`bom-${name}`, BOM + FILES[name as keyof typeof FILES]);
    expect((await entries(path)).map((e) => e.value)).toEqual(EXPECTED);
  });

  it('a CSV with a byte order mark before a quoted header', async () => {
    const path = file('bom-quoted.csv', `${BOM}"user","relation","object"\r\nuser:anne,viewer,document:1\r\n`);
    expect((await entries(path)).map((e) => e.value)).toEqual([EXPECTED[0]]);
  });

  it.each(['jsonl', 'csv', 'json', 'yaml'])('an empty .%s file is refused in the same words, as a file problem', async (ext) => {
    for (const text of ['', '\n\n  \n']) {
      const { target } = fakeTarget();
      const err = await importError(importTupleFile(file(`empty.${ext}`, text), tupleFileFormat(`x.${ext}`), target));
      expect(err).toBeInstanceOf(TupleImportError);
      expect(err.message).toMatch(new RegExp(`empty\\.${ext}: line 1: the file is empty: expected .*; nothing was buffered$`));
      expect((err as TupleImportError).refused).toBe(0);
    }
  });

  it('an empty list is 0 tuples: [] in JSON and YAML, a CSV header alone', async () => {
    for (const [name, text] of [
      ['none.json', '[]'],
      ['none.yaml', '[]\n'],
      ['none.csv', 'user,relation,object\n'],
    ]) {
      const { target, granted } = fakeTarget();
      expect(await importTupleFile(file(name, text), tupleFileFormat(name), target)).toMatchObject({ total: 0, buffered: 0 });
      expect(granted).toEqual([]);
    }
  });

  it('names a missing path, a directory and a pipe, saying what is expected', async () => {
    expect(await tupleFilePathProblem(join(dir, 'nope.csv'))).toMatch(
      /^cannot read ".*nope\.csv": no such file: expected a tuple file: JSON lines, CSV/,
    );
    expect(await tupleFilePathProblem(dir)).toMatch(/^".*" is a directory: expected a tuple file/);
    expect(await tupleFilePathProblem('/dev/null')).toMatch(/is not a regular file \(it is read twice/);
    expect(await tupleFilePathProblem(file('ok.csv', FILES['plain.csv']))).toBeUndefined();
  });

  it('names the line and column of a JSON syntax error, and counts it as a file problem, not a tuple', async () => {
    const text = '[\n  {"user":"user:anne","relation":"viewer","object":"document:1"},\n  {"user":"user:bob",},\n]';
    const err = await importError(importTupleFile(file('bad.json', text), 'json', fakeTarget().target));
    expect(err.message).toMatch(/bad\.json: line 3, column 22: not JSON \(.*\); nothing was buffered$/);
    expect(err.message).not.toMatch(/refused/);
    const trailing = await importError(importTupleFile(file('trailing.json', '[1,\n2,\n]'), 'json', fakeTarget().target));
    expect(trailing.message).toMatch(/line 3, column 1: not JSON/);
    const notList = await importError(importTupleFile(file('obj.json', '{"user":"user:anne"}'), 'json', fakeTarget().target));
    expect(notList.message).toMatch(/obj\.json: line 1: a JSON array of .*: the file holds an object; nothing was buffered$/);
  });

  it('refuses a JSON lines entry that is not an object with the form expected', async () => {
    const err = await importError(importTupleFile(file('arr.jsonl', '[1,2]\n42\nnull\n'), 'jsonl', fakeTarget().target));
    expect((err as TupleImportError).problems).toEqual([
      'line 1: expected an object { user, relation, object[, condition] }, found an array',
      'line 2: expected an object { user, relation, object[, condition] }, found a number (42)',
      'line 3: expected an object { user, relation, object[, condition] }, found null',
    ]);
  });

  it('reads a quoted CSV cell that spans lines, naming the record by its first line', async () => {
    const text = [
      'user_type,user_id,user_relation,relation,object_type,object_id,condition_name,condition_context',
      'user,bob,,viewer,document,3,non_expired,"{',
      '  ""expires"": ""x,y""',
      '}"',
      'user,bob,,vewer,document,4,,',
    ].join('\r\n');
    const got = await entries(file('multi.csv', text));
    expect(got.map((e) => e.at)).toEqual(['line 2', 'line 5']);
    expect(got[0].value).toEqual(EXPECTED[2]);
    const open = await entries(file('open.csv', 'user,relation,object\nuser:anne,viewer,"document:1\nuser:bob,viewer,document:2\n'));
    expect(open).toEqual([{ at: 'line 2', error: 'a quoted cell is not closed by the end of the file', fatal: true }]);
  });

  it('resolves YAML anchors, aliases and merge keys', async () => {
    const text = [
      '- &base',
      '  user: user:bob',
      '  relation: viewer',
      '  object: document:3',
      '  condition: &cond',
      '    name: non_expired',
      '    context: { expires: "x,y" }',
      '- <<: *base',
      '  object: document:4',
      '- user: user:anne',
      '  relation: viewer',
      '  object: document:5',
      '  condition: *cond',
    ].join('\n');
    const got = await entries(file('alias.yaml', text));
    expect(got.map((e) => e.at)).toEqual(['line 1', 'line 8', 'line 10']);
    expect(got.map((e) => e.value)).toEqual([
      EXPECTED[2],
      { ...EXPECTED[2], object: 'document:4' },
      { user: 'user:anne', relation: 'viewer', object: 'document:5', condition: EXPECTED[2].condition },
    ]);
  });

  it('splits lines as readline does, also across the 256 KiB blocks the file is read in', async () => {
    // A CRLF whose \r ends the first block and whose \n starts the second, then a lone \r.
    const first = JSON.stringify(EXPECTED[0]);
    const pad = ' '.repeat(256 * 1024 - first.length - 1);
    const text = `${first}${pad}\r\n${JSON.stringify(EXPECTED[1])}\r${JSON.stringify(EXPECTED[2])}`;
    const got = await entries(file('blocks.jsonl', text));
    expect(got.map((e) => [e.at, e.value])).toEqual([
      ['line 1', EXPECTED[0]],
      ['line 2', EXPECTED[1]],
      ['line 3', EXPECTED[2]],
    ]);
    // A line over three blocks long, and one character of another after it.
    const long = JSON.stringify({ ...EXPECTED[0], object: `document:${'x'.repeat(800 * 1024)}` });
    const spanning = await entries(file('long.jsonl', `\n${long}\r\n{}`));
    expect(spanning.map((e) => [e.at, (e.value as { object?: string }).object?.length])).toEqual([
      ['line 2', 9 + 800 * 1024],
      ['line 3', undefined],
    ]);
  });
});
