/**
 * The import's reading and its two passes, with a fake target (the module
 * side is tested on the real servers through the CLI): every format yields
 * the same tuples; a bad tuple anywhere is named by its line and nothing is
 * buffered; an interrupted import resumes where it stopped.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsvLine } from '../../../src/import/csv-line';
import { readTupleFile, tupleFileFormat } from '../../../src/import/tuple-file';
import { importTupleFile, ImportTarget } from '../../../src/import/tuple-import';
import { TupleImportError } from '../../../src/import/tuple-import.error';
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

function fakeTarget(resume = 0) {
  const granted: ConditionalTuple[][] = [];
  const saved: (number | undefined)[] = [];
  const target: ImportTarget = {
    validate: (value) => validateTuple(value, '', true),
    grantMany: async (tuples) => {
      granted.push(tuples);
      return `v1.${granted.length}`;
    },
    resumeAt: async () => resume,
    saveResume: async (_hash, done) => {
      saved.push(done);
    },
  };
  return { target, granted, saved };
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
      { at: 'line 1', error: expect.stringMatching(/header must name the columns/) },
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
    expect(result).toEqual({ total: 3, buffered: 3, resumedAt: 0, token: 'v1.2' });
    expect(granted).toEqual([EXPECTED.slice(0, 2), EXPECTED.slice(2)]);
    expect(saved).toEqual([2, 3, undefined]);
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
    const resumed = fakeTarget(2);
    expect(await importTupleFile(path, 'jsonl', resumed.target)).toMatchObject({ buffered: 1, resumedAt: 2 });
    expect(resumed.granted).toEqual([EXPECTED.slice(2)]);
    const restarted = fakeTarget(2);
    expect(await importTupleFile(path, 'jsonl', restarted.target, { restart: true })).toMatchObject({ buffered: 3, resumedAt: 0 });
  });
});
