import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { csvRecordCells } from './csv-line';
import { FileBlockTap, readFileBlocks } from './file-fingerprint';
import { jsonSyntaxErrorOffset, lineAndColumn } from './json-syntax';

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
  /** The error is the file's (not JSON, a bad CSV header, empty): nothing after it is read. */
  fatal?: boolean;
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

const EXPECTED_FILE = 'expected a tuple file: JSON lines, CSV, JSON or YAML (.jsonl, .ndjson, .csv, .json, .yaml, .yml)';

/**
 * Why `path` cannot be imported, naming it: missing, a directory, not a regular file (a pipe: the
 * import reads the file twice, to validate it and then to buffer it), or unreadable. Undefined when
 * it is a readable file.
 */
export async function tupleFilePathProblem(path: string): Promise<string | undefined> {
  if (path === '-') return `standard input ("-") cannot be imported: the file is read twice (validated, then buffered): ${EXPECTED_FILE}`;
  try {
    const stats = await stat(path);
    if (stats.isDirectory()) return `"${path}" is a directory: ${EXPECTED_FILE}`;
    if (!stats.isFile()) return `"${path}" is not a regular file (it is read twice: validated, then buffered): ${EXPECTED_FILE}`;
    await access(path, constants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    return `cannot read "${path}": ${why}: ${EXPECTED_FILE}`;
  }
}

/** What a tuple file holds, for messages. */
const FORM: Record<TupleFileFormat, string> = {
  jsonl: 'one JSON object { user, relation, object[, condition] } per line',
  csv: 'a CSV header line, then one tuple per line',
  json: 'a JSON array of { user, relation, object[, condition] }',
  yaml: 'a YAML list of { user, relation, object[, condition] }',
};

/**
 * The tuples of a file, in file order. JSON lines and CSV are streamed
 * (a file of millions of tuples is never held whole); a JSON array and a
 * YAML list (the OpenFGA CLI's tuple files) are read whole. The file's
 * bytes go through `tap` block by block, each before anything is parsed
 * from it (see FileFingerprint). A leading UTF-8 byte order mark is
 * skipped. A file with nothing in it (no byte, or only blank lines) is an
 * error in every format: a file meant to hold tuples that holds nothing is
 * most likely a truncated export. An empty list (`[]`, or a CSV header
 * alone) is 0 tuples.
 */
export async function* readTupleFile(path: string, format: TupleFileFormat, tap?: FileBlockTap): AsyncGenerator<TupleEntry> {
  switch (format) {
    case 'jsonl': {
      let blank = true;
      for await (const { n, text } of lines(path, tap)) {
        if (text.trim() === '') continue;
        blank = false;
        if (text.includes(REPLACEMENT)) {
          yield { at: `line ${n}`, error: NOT_UTF8 };
          continue;
        }
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (err) {
          yield { at: `line ${n}`, error: `not JSON (${(err as Error).message})` };
          continue;
        }
        yield tupleEntry(`line ${n}`, value);
      }
      if (blank) yield emptyFile(format);
      return;
    }
    case 'csv':
      yield* csvEntries(path, tap);
      return;
    case 'json': {
      const text = await wholeText(path, tap);
      if (text.trim() === '') {
        yield emptyFile(format);
        return;
      }
      const notUtf8 = notUtf8Entry(text);
      if (notUtf8) {
        yield notUtf8;
        return;
      }
      let items: unknown;
      try {
        items = JSON.parse(text);
      } catch (err) {
        const offset = jsonSyntaxErrorOffset(text);
        const where = offset === undefined ? { line: 1, column: 1 } : lineAndColumn(text, offset);
        yield { at: `line ${where.line}, column ${where.column}`, error: `not JSON (${(err as Error).message})`, fatal: true };
        return;
      }
      if (!Array.isArray(items)) {
        yield { at: 'line 1', error: `${FORM.json}: the file holds ${kindOf(items)}`, fatal: true };
        return;
      }
      for (const [i, value] of items.entries()) yield tupleEntry(`item ${i + 1}`, value);
      return;
    }
    case 'yaml':
      yield* yamlEntries(path, tap);
      return;
  }
}

function emptyFile(format: TupleFileFormat): TupleEntry {
  return { at: 'line 1', error: `the file is empty: expected ${FORM[format]}`, fatal: true };
}

/** A tuple is an object; anything else is refused here, with the form expected (the fields are validated later). */
function tupleEntry(at: string, value: unknown): TupleEntry {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { at, value };
  return { at, error: `expected an object { user, relation, object[, condition] }, found ${kindOf(value)}` };
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value} (${JSON.stringify(value)?.slice(0, 40)})`;
}

const BOM = '\uFEFF';
/** What a byte sequence that is not UTF-8 is decoded to (and what a file mangled by an earlier conversion holds). */
const REPLACEMENT = '\uFFFD';
const NOT_UTF8 = 'holds bytes that are not UTF-8 (decoded as U+FFFD, which would change the ids granted): save the file as UTF-8';

/** A whole-file read that holds U+FFFD: refused where it first is (a file problem). */
function notUtf8Entry(text: string): TupleEntry | undefined {
  const at = text.indexOf(REPLACEMENT);
  if (at < 0) return undefined;
  const where = lineAndColumn(text, at);
  return { at: `line ${where.line}, column ${where.column}`, error: NOT_UTF8, fatal: true };
}

/**
 * The lines of a file, numbered from 1, as readline splits them (at `\r\n`, `\n` or a lone `\r`; a
 * last line without a break counts, an empty one after the last break does not), without a leading
 * byte order mark. Read block by block through `tap`; a line longer than a block is scanned once.
 */
async function* lines(path: string, tap?: FileBlockTap): AsyncGenerator<{ n: number; text: string }> {
  const decoder = new StringDecoder('utf8');
  const breaks = /\r\n|\n|\r/g;
  let rest = '';
  let n = 0;
  let first = true;
  /** The lines of `text` from `from` on; returns what follows the last break (kept for the next block). */
  function* split(text: string, from: number, last: boolean): Generator<{ n: number; text: string }, string> {
    let start = 0;
    breaks.lastIndex = from;
    for (let m = breaks.exec(text); m; m = breaks.exec(text)) {
      // A `\r` ending a block may be the first half of `\r\n`: wait for the next block.
      if (!last && m[0] === '\r' && m.index === text.length - 1) break;
      const line = text.slice(start, m.index);
      start = m.index + m[0].length;
      const next = breaks.lastIndex;
      yield { n: ++n, text: line };
      breaks.lastIndex = next;
    }
    return text.slice(start);
  }
  for await (const block of readFileBlocks(path, tap)) {
    // `rest` holds no break, but for a `\r` at its end: the search starts there.
    const from = rest.endsWith('\r') ? rest.length - 1 : rest.length;
    let text = rest + decoder.write(block);
    if (first && text.length > 0) {
      if (text.startsWith(BOM)) text = text.slice(1);
      first = false;
    }
    rest = yield* split(text, Math.min(from, text.length), false);
  }
  const from = rest.endsWith('\r') ? rest.length - 1 : rest.length;
  let text = rest + decoder.end();
  if (first && text.startsWith(BOM)) text = text.slice(1);
  const last = yield* split(text, Math.min(from, text.length), true);
  if (last.length > 0) yield { n: ++n, text: last };
}

/** The whole file as text (read through `tap`), without a leading byte order mark. */
async function wholeText(path: string, tap?: FileBlockTap): Promise<string> {
  const blocks: Buffer[] = [];
  for await (const block of readFileBlocks(path, tap)) blocks.push(block);
  const text = Buffer.concat(blocks).toString('utf8');
  return text.startsWith(BOM) ? text.slice(1) : text;
}

/** A quoted CSV cell may span lines; a record still open after this many characters, or lines, is refused. */
const MAX_CSV_RECORD = 1024 * 1024;
const MAX_CSV_RECORD_LINES = 1000;

/**
 * CSV with a header: the OpenFGA CLI's columns (`user_type, user_id,
 * user_relation, relation, object_type, object_id, condition_name,
 * condition_context`) or `user, relation, object` (and the two condition
 * columns). A condition's context is JSON in its quoted cell, which may
 * span lines (a record is named by its first line).
 */
async function* csvEntries(path: string, tap?: FileBlockTap): AsyncGenerator<TupleEntry> {
  let header: string[] | undefined;
  let open: { n: number; text: string } | undefined;
  for await (const line of lines(path, tap)) {
    let record = line;
    if (open) {
      record = { n: open.n, text: `${open.text}\n${line.text}` };
      open = undefined;
    } else if (line.text.trim() === '') {
      continue;
    }
    const at = `line ${record.n}`;
    let cells: string[] | undefined;
    try {
      cells = csvRecordCells(record.text);
    } catch (err) {
      if (!header) {
        // Not a tuple: the header. Reading on would take the first tuple for it (and call the file empty).
        yield { at, error: `the CSV header cannot be read (${(err as Error).message}): the header is ${CSV_FORMS}`, fatal: true };
        return;
      }
      yield { at, error: (err as Error).message };
      continue;
    }
    if (cells && record.text.includes(REPLACEMENT)) {
      yield { at, error: NOT_UTF8, ...(header ? {} : { fatal: true }) };
      if (!header) return;
      continue;
    }
    if (!cells) {
      if (record.text.length > MAX_CSV_RECORD || line.n - record.n >= MAX_CSV_RECORD_LINES) {
        yield {
          at,
          error: `a quoted cell is not closed within ${MAX_CSV_RECORD_LINES} lines or ${MAX_CSV_RECORD} characters`,
          fatal: true,
        };
        return;
      }
      open = record;
      continue;
    }
    if (!header) {
      header = cells.map((c) => c.trim());
      const problem = csvHeaderProblem(header);
      if (problem) {
        yield { at, error: problem, fatal: true };
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
  if (open) yield { at: `line ${open.n}`, error: 'a quoted cell is not closed by the end of the file', fatal: true };
  else if (!header) yield emptyFile('csv');
}

const CLI_COLUMNS = ['user_type', 'user_id', 'user_relation', 'relation', 'object_type', 'object_id'];
const PLAIN_COLUMNS = ['user', 'relation', 'object'];
const CONDITION_COLUMNS = ['condition_name', 'condition_context'];
/** Columns a header of that form may leave out. */
const OPTIONAL_COLUMNS = new Set(['user_relation', ...CONDITION_COLUMNS]);
const CSV_FORMS =
  `${[...CLI_COLUMNS, ...CONDITION_COLUMNS].join(',')} (the OpenFGA CLI's; user_relation and the condition columns may be left out) ` +
  `or ${[...PLAIN_COLUMNS, ...CONDITION_COLUMNS].join(',')} (the condition columns may be left out)`;

/**
 * Why a CSV header is refused: a column named twice, an empty one, one that is not of its form (a
 * column the import would not read would silently change what is granted: `user_relation` beside a
 * `user` column would be dropped), or a required one missing.
 */
function csvHeaderProblem(header: string[]): string | undefined {
  const empty = header.findIndex((h) => h === '');
  if (empty >= 0) return `CSV header column ${empty + 1} is empty (a trailing comma?): the header is ${CSV_FORMS}`;
  const twice = [...new Set(header.filter((h, i) => header.indexOf(h) !== i))];
  if (twice.length > 0) return `CSV header column${twice.length > 1 ? 's' : ''} ${twice.join(', ')} named twice: each column is named once`;
  const cliForm = ['user_type', 'user_id', 'object_type', 'object_id'].some((c) => header.includes(c));
  const plainForm = ['user', 'object'].some((c) => header.includes(c));
  if (!cliForm && !plainForm)
    return `the CSV header must name the columns of one of its two forms: ${CSV_FORMS} (found ${header.join(',')})`;
  if (cliForm && plainForm)
    return `the CSV header mixes its two forms (user/object and user_type/object_type columns): the header is ${CSV_FORMS}`;
  const columns = cliForm ? CLI_COLUMNS : PLAIN_COLUMNS;
  const known = new Set([...columns, ...CONDITION_COLUMNS]);
  const unknown = header.filter((h) => !known.has(h));
  if (unknown.length > 0) {
    const hint =
      !cliForm && unknown.includes('user_relation') ? ' (with a user column, a userset goes in the user cell: group:eng#member)' : '';
    return `unknown CSV column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} for a header with ${cliForm ? 'user_type/object_type' : 'user/object'}${hint}: the header is ${CSV_FORMS}`;
  }
  const missing = columns.filter((c) => !OPTIONAL_COLUMNS.has(c) && !header.includes(c));
  if (missing.length > 0)
    return `the CSV header lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: the header is ${CSV_FORMS}`;
  return undefined;
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

/**
 * A YAML list of tuples (the OpenFGA CLI's tuple file), each named by its line. Anchors and aliases
 * (`&eu` … `*eu`) and merge keys (`<<: *base`) are resolved, as the OpenFGA CLI's reader does.
 */
async function* yamlEntries(path: string, tap?: FileBlockTap): AsyncGenerator<TupleEntry> {
  const yaml = loadYaml();
  const text = await wholeText(path, tap);
  if (text.trim() === '') {
    yield emptyFile('yaml');
    return;
  }
  const notUtf8 = notUtf8Entry(text);
  if (notUtf8) {
    yield notUtf8;
    return;
  }
  const counter = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: counter, merge: true, keepSourceTokens: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    yield { at: `line ${e.linePos?.[0].line ?? 1}`, error: `not YAML (${e.message.split('\n')[0]})`, fatal: true };
    return;
  }
  if (!yaml.isSeq(doc.contents)) {
    const holds = yaml.isMap(doc.contents) ? 'a map' : yaml.isScalar(doc.contents) ? 'a single value' : 'no list';
    yield { at: 'line 1', error: `${FORM.yaml}: the file holds ${holds}`, fatal: true };
    return;
  }
  const items = doc.contents.items;
  let values: unknown;
  try {
    // Each alias may be used about as often as there are tuples (a shared condition), not exponentially more.
    values = doc.toJS({ maxAliasCount: Math.max(100, 10 * items.length) });
  } catch (err) {
    yield { at: 'line 1', error: `not a YAML tuple list (${(err as Error).message})`, fatal: true };
    return;
  }
  const list = values as unknown[];
  // An item is named by the line of its `-` (an anchored item's node starts after its anchor).
  const block = doc.contents.srcToken?.type === 'block-seq' ? doc.contents.srcToken : undefined;
  for (const [i, item] of items.entries()) {
    const dash = block?.items[i]?.start.find((t) => t.type === 'seq-item-ind')?.offset;
    const offset = dash ?? (yaml.isNode(item) && item.range ? item.range[0] : 0);
    yield tupleEntry(`line ${counter.linePos(offset).line}`, list[i]);
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
