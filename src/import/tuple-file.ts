import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parseCsvLine } from './csv-line';

/** The tuple files `tuples import` reads. */
export type TupleFileFormat = 'jsonl' | 'csv' | 'json' | 'yaml';

export const TUPLE_FILE_FORMATS: readonly TupleFileFormat[] = ['jsonl', 'csv', 'json', 'yaml'];

/** One tuple of a file as written there (validated later, against the module's rules and the model), or why it is not one. */
export interface TupleEntry {
  /** Where it is, for messages: `line 12` (JSON lines, CSV, YAML) or `item 3` (a JSON array). */
  at: string;
  /** The tuple's fields as the file has them. */
  value?: unknown;
  error?: string;
}

const EXTENSIONS: Record<string, TupleFileFormat> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
  '.json': 'json',
  '.yaml': 'yaml',
  '.yml': 'yaml',
};

/** The format a file is read in: `given`, else its extension. */
export function tupleFileFormat(path: string, given?: string): TupleFileFormat {
  if (given !== undefined) {
    if (!(TUPLE_FILE_FORMATS as readonly string[]).includes(given)) {
      throw new TypeError(`--format must be one of ${TUPLE_FILE_FORMATS.join(', ')} (received "${given}")`);
    }
    return given as TupleFileFormat;
  }
  const format = EXTENSIONS[extname(path).toLowerCase()];
  if (!format) {
    throw new TypeError(
      `cannot tell the format of "${path}" from its extension: use .jsonl, .ndjson, .csv, .json, .yaml or .yml, or --format ${TUPLE_FILE_FORMATS.join('|')}`,
    );
  }
  return format;
}

/**
 * The tuples of a file, in file order. JSON lines and CSV are streamed line
 * by line (a file of millions of tuples is never held whole); a JSON array
 * and a YAML list (the OpenFGA CLI's tuple files) are parsed whole.
 */
export async function* readTupleFile(path: string, format: TupleFileFormat): AsyncGenerator<TupleEntry> {
  switch (format) {
    case 'jsonl':
      for await (const { n, text } of lines(path)) {
        if (text.trim() === '') continue;
        try {
          yield { at: `line ${n}`, value: JSON.parse(text) as unknown };
        } catch (err) {
          yield { at: `line ${n}`, error: `not JSON (${(err as Error).message})` };
        }
      }
      return;
    case 'csv':
      yield* csvEntries(path);
      return;
    case 'json': {
      let items: unknown;
      try {
        items = JSON.parse(await readFile(path, 'utf8'));
      } catch (err) {
        yield { at: 'line 1', error: `not JSON (${(err as Error).message})` };
        return;
      }
      if (!Array.isArray(items)) {
        yield { at: 'line 1', error: 'a JSON tuple file is an array of { user, relation, object[, condition] }' };
        return;
      }
      for (const [i, value] of items.entries()) yield { at: `item ${i + 1}`, value };
      return;
    }
    case 'yaml':
      yield* yamlEntries(path);
      return;
  }
}

async function* lines(path: string): AsyncGenerator<{ n: number; text: string }> {
  const reader = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const text of reader) yield { n: ++n, text };
}

/**
 * CSV with a header: the OpenFGA CLI's columns (`user_type, user_id,
 * user_relation, relation, object_type, object_id, condition_name,
 * condition_context`) or `user, relation, object` (and the two condition
 * columns). A condition's context is JSON in its quoted cell.
 */
async function* csvEntries(path: string): AsyncGenerator<TupleEntry> {
  let header: string[] | undefined;
  for await (const { n, text } of lines(path)) {
    if (text.trim() === '') continue;
    const at = `line ${n}`;
    let cells: string[];
    try {
      cells = parseCsvLine(text);
    } catch (err) {
      yield { at, error: (err as Error).message };
      continue;
    }
    if (!header) {
      header = cells.map((c) => c.trim());
      const problem = csvHeaderProblem(header);
      if (problem) {
        yield { at, error: problem };
        return;
      }
      continue;
    }
    if (cells.length !== header.length) {
      yield { at, error: `${cells.length} cells, the header has ${header.length}` };
      continue;
    }
    const row = Object.fromEntries(header.map((h, i) => [h, cells[i].trim()]));
    yield csvTuple(at, row);
  }
}

const CLI_COLUMNS = ['user_type', 'user_id', 'relation', 'object_type', 'object_id'];
const PLAIN_COLUMNS = ['user', 'relation', 'object'];
const OPTIONAL_COLUMNS = ['user_relation', 'condition_name', 'condition_context'];

function csvHeaderProblem(header: string[]): string | undefined {
  const cli = CLI_COLUMNS.every((c) => header.includes(c));
  const plain = PLAIN_COLUMNS.every((c) => header.includes(c));
  if (!cli && !plain) {
    return `the CSV header must name the columns ${CLI_COLUMNS.join(', ')} (as the OpenFGA CLI writes them) or ${PLAIN_COLUMNS.join(', ')}`;
  }
  const known = new Set([...(cli ? CLI_COLUMNS : PLAIN_COLUMNS), ...OPTIONAL_COLUMNS]);
  const unknown = header.filter((h) => !known.has(h));
  return unknown.length > 0 ? `unknown CSV column(s) ${unknown.join(', ')}: expected ${[...known].join(', ')}` : undefined;
}

function csvTuple(at: string, row: Record<string, string>): TupleEntry {
  const user = 'user' in row ? row.user : `${row.user_type}:${row.user_id}${row.user_relation ? `#${row.user_relation}` : ''}`;
  const object = 'object' in row ? row.object : `${row.object_type}:${row.object_id}`;
  const value: Record<string, unknown> = { user, relation: row.relation, object };
  if (row.condition_name) {
    let context: unknown;
    if (row.condition_context) {
      try {
        context = JSON.parse(row.condition_context);
      } catch (err) {
        return { at, error: `condition_context is not JSON (${(err as Error).message})` };
      }
    }
    value.condition = context === undefined ? { name: row.condition_name } : { name: row.condition_name, context };
  } else if (row.condition_context) {
    return { at, error: 'condition_context without condition_name' };
  }
  return { at, value };
}

/** A YAML list of tuples (the OpenFGA CLI's tuple file), each named by its line. */
async function* yamlEntries(path: string): AsyncGenerator<TupleEntry> {
  const yaml = loadYaml();
  const counter = new yaml.LineCounter();
  const doc = yaml.parseDocument(await readFile(path, 'utf8'), { lineCounter: counter });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    yield { at: `line ${e.linePos?.[0].line ?? 1}`, error: `not YAML (${e.message.split('\n')[0]})` };
    return;
  }
  if (!yaml.isSeq(doc.contents)) {
    yield { at: 'line 1', error: 'a YAML tuple file is a list of { user, relation, object[, condition] }' };
    return;
  }
  for (const item of doc.contents.items) {
    const offset = yaml.isNode(item) && item.range ? item.range[0] : 0;
    yield { at: `line ${counter.linePos(offset).line}`, value: yaml.isNode(item) ? item.toJSON() : item };
  }
}

type YamlModule = typeof import('yaml');

/**
 * The `yaml` package @openfga/syntax-transformer (the optional peer that reads `.fga` models) brings along,
 * resolved from there: YAML tuple files need nothing else installed.
 */
function loadYaml(): YamlModule {
  try {
    const transformer = require.resolve('@openfga/syntax-transformer');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(require.resolve('yaml', { paths: [dirname(transformer)] })) as YamlModule;
  } catch (err) {
    throw new Error(
      `reading a YAML tuple file needs the "@openfga/syntax-transformer" package (it brings a YAML parser): npm install @openfga/syntax-transformer (${(err as Error).message})`,
      { cause: err },
    );
  }
}
