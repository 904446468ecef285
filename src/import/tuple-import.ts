import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ConditionalTuple } from '../tuple/tuple';
import { readTupleFile, TupleFileFormat } from './tuple-file';
import { TupleImportError } from './tuple-import.error';

/** How far an import is: every tuple validated first (nothing buffered), then buffered in calls of `chunk`. */
export interface ImportProgress {
  phase: 'validating' | 'buffering';
  /** Tuples validated (or buffered) so far, of `total` (unknown while validating). */
  done: number;
  total?: number;
  /** Tuples per second in this phase; `etaMs` is the rest at that rate (buffering only). */
  ratePerSec: number;
  etaMs?: number;
}

/** What an import needs from the module: the same checks and the same `grantMany` as the service, and a place to keep its place. */
export interface ImportTarget {
  /** The tuple as `grant` would take it, or throws naming the field (the module's rules and the model's). */
  validate(value: unknown): ConditionalTuple;
  grantMany(tuples: ConditionalTuple[]): Promise<string>;
  /** Tuples of this file (by content hash) already buffered by an interrupted import; 0 for a new one. */
  resumeAt(fileHash: string): Promise<number>;
  /** Records that the first `done` tuples of the file are buffered; `undefined` forgets it (the import finished). */
  saveResume(fileHash: string, done: number | undefined): Promise<void>;
}

export interface ImportSettings {
  /** Tuples per `grantMany` (one atomic step each). Default 1000. */
  chunk?: number;
  /** Start again from the first tuple even if an interrupted import of the same file was recorded. */
  restart?: boolean;
  /** Bad tuples listed in the error at most (all are counted). Default 20. */
  maxErrors?: number;
  onProgress?(progress: ImportProgress): void;
}

export interface ImportResult {
  /** Tuples in the file. */
  total: number;
  /** Tuples buffered by this run. */
  buffered: number;
  /** Tuples an interrupted run had buffered, skipped by this one. */
  resumedAt: number;
  /** The consistency token of the last `grantMany` (undefined when nothing was buffered). */
  token?: string;
}

/**
 * Imports a tuple file through the buffer: every tuple is validated first
 * against the module's rules and the model (any bad tuple: TupleImportError
 * naming each by its line, nothing buffered), then buffered with
 * `grantMany` in atomic calls of `chunk`. Where it got to is saved after
 * each call, by the file's content hash, so an interrupted import resumes
 * there (a re-grant of a buffered tuple would be harmless, resuming only
 * saves the time).
 */
export async function importTupleFile(
  path: string,
  format: TupleFileFormat,
  target: ImportTarget,
  settings: ImportSettings = {},
): Promise<ImportResult> {
  const chunk = settings.chunk ?? 1000;
  const maxErrors = settings.maxErrors ?? 20;
  const report = settings.onProgress ?? (() => undefined);

  // Validate everything before anything is buffered.
  let total = 0;
  let errorCount = 0;
  const errors: string[] = [];
  let started = Date.now();
  for await (const entry of readTupleFile(path, format)) {
    let problem = entry.error;
    if (problem === undefined) {
      try {
        target.validate(entry.value);
        total++;
      } catch (err) {
        problem = err instanceof Error ? err.message : String(err);
      }
    }
    if (problem !== undefined && errorCount++ < maxErrors) errors.push(`${entry.at}: ${problem}`);
    if ((total + errorCount) % 10_000 === 0) report({ phase: 'validating', done: total, ratePerSec: rate(total, started) });
  }
  if (errorCount > 0) throw new TupleImportError(path, errorCount, errors);

  const hash = await fileHash(path);
  const resumedAt = settings.restart ? 0 : Math.min(await target.resumeAt(hash), total);
  started = Date.now();
  let index = 0;
  let buffered = 0;
  let token: string | undefined;
  let batch: ConditionalTuple[] = [];
  const flushBatch = async () => {
    token = await target.grantMany(batch);
    buffered += batch.length;
    batch = [];
    const done = resumedAt + buffered;
    await target.saveResume(hash, done);
    const perSec = rate(buffered, started);
    report({ phase: 'buffering', done, total, ratePerSec: perSec, etaMs: perSec > 0 ? ((total - done) / perSec) * 1000 : undefined });
  };
  for await (const entry of readTupleFile(path, format)) {
    if (entry.error !== undefined) continue; // none: validated above, and the file has the same hash
    const tuple = target.validate(entry.value);
    if (index++ < resumedAt) continue;
    batch.push(tuple);
    if (batch.length >= chunk) await flushBatch();
  }
  if (batch.length > 0) await flushBatch();
  await target.saveResume(hash, undefined);
  return { total, buffered, resumedAt, ...(token ? { token } : {}) };
}

function rate(count: number, since: number): number {
  const seconds = (Date.now() - since) / 1000;
  return seconds > 0 ? count / seconds : 0;
}

function fileHash(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (data) => hash.update(data))
      .on('end', () => resolve(hash.digest('hex').slice(0, 32)))
      .on('error', reject);
  });
}
