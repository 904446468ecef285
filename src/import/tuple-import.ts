import type { ConditionalTuple } from '../tuple/tuple';
import { FileChangedSignal, FileFingerprint } from './file-fingerprint';
import { readTupleFile, TupleFileFormat } from './tuple-file';
import { TupleImportError, TupleImportStoppedError } from './tuple-import.error';

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

/** The place an import that stopped had reached, saved after each `grantMany`. */
export interface ResumePoint {
  /** Tuples of the file, from its first, that are buffered. */
  done: number;
  /**
   * The buffer's clear count ({@link ImportTarget.clears}) when that import began: a clear begun
   * since may have discarded some of those tuples, so the place no longer holds.
   */
  clears: number;
  /**
   * The buffer's latest position before the first run of this import buffered anything (absent in a
   * place saved by an earlier version): `--wait` of a run that resumes checks the dead letters from there.
   */
  after?: number;
}

/** What an import needs from the module: the same checks and the same `grantMany` as the service, and a place to keep its place. */
export interface ImportTarget {
  /** The tuple as `grant` would take it, or throws naming the field (the module's rules and the model's). */
  validate(value: unknown): ConditionalTuple;
  grantMany(tuples: ConditionalTuple[]): Promise<string>;
  /** How many clears of the store's buffer have begun; it only grows (a clear counts itself atomically with its first step). */
  clears(): Promise<number>;
  /** The place an interrupted import of this file (by content hash) saved, if any. */
  resumePoint(fileHash: string): Promise<ResumePoint | undefined>;
  /** Saves the place (the first `done` tuples of the file are buffered); `undefined` forgets it (the import finished). */
  saveResume(fileHash: string, point: ResumePoint | undefined): Promise<void>;
}

export interface ImportSettings {
  /** Tuples per `grantMany` (one atomic step each). Default 1000. */
  chunk?: number;
  /** Start again from the first tuple even if an interrupted import of the same file was recorded. */
  restart?: boolean;
  /** Bad tuples listed in the error at most (all are counted). Default 20. */
  maxErrors?: number;
  /** The buffer's latest position before this run buffers anything (kept in the saved place, see ResumePoint.after). */
  after?: number;
  onProgress?(progress: ImportProgress): void;
}

export interface ImportResult {
  /** Tuples in the file. */
  total: number;
  /** Tuples buffered by this run. */
  buffered: number;
  /** Tuples an interrupted run had buffered, skipped by this one. */
  resumedAt: number;
  /**
   * The place an interrupted import saved, ignored because the buffer was cleared after it was saved
   * (the tuples it counted may have been discarded): this run started from the first tuple.
   */
  staleResumeAt?: number;
  /** The buffer's clear count when this import began: a wait for OpenFGA checks that no clear began since. */
  clears: number;
  /** The consistency token of the last `grantMany` (undefined when nothing was buffered). */
  token?: string;
  /** The buffer's latest position before the import (its first run, when this one resumed) buffered anything. */
  after?: number;
}

/**
 * Imports a tuple file through the buffer: every tuple is validated first
 * against the module's rules and the model (any bad tuple: TupleImportError
 * naming each by its line, nothing buffered), then buffered with
 * `grantMany` in atomic calls of `chunk`. Where it got to is saved after
 * each call, by the file's content hash, so an interrupted import resumes
 * there (a re-grant of a buffered tuple would be harmless, resuming only
 * saves the time).
 *
 * The buffering pass reads the file again and compares it, block by block,
 * with what the validation pass read (FileFingerprint), before it parses
 * anything from a block: a file edited, replaced, appended to or truncated
 * meanwhile stops the import (TupleImportStoppedError, `file-changed`) with
 * nothing buffered that was not validated, and its saved place still true
 * of the file that was. A saved place records the buffer's clear count: a
 * clear since (openfga:cache:clear) may have discarded what it counts, so
 * the import then starts from the first tuple, and an import during which a
 * clear began stops with `buffer-cleared`.
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

  // Validate everything before anything is buffered, fingerprinting the bytes read.
  const fingerprint = new FileFingerprint();
  let total = 0;
  let errorCount = 0;
  const errors: string[] = [];
  let fileProblem: string | undefined;
  let started = Date.now();
  for await (const entry of readTupleFile(path, format, fingerprint)) {
    if (entry.fatal) {
      fileProblem = `${entry.at}: ${entry.error}`;
      break;
    }
    let problem = entry.error;
    if (problem === undefined) {
      try {
        target.validate(withoutNullCondition(entry.value));
        total++;
      } catch (err) {
        problem = messageOf(err);
      }
    }
    if (problem !== undefined && errorCount++ < maxErrors) errors.push(`${entry.at}: ${problem}`);
    if ((total + errorCount) % 10_000 === 0) report({ phase: 'validating', done: total, ratePerSec: rate(total, started) });
  }
  if (errorCount > 0 || fileProblem !== undefined) throw new TupleImportError(path, errorCount, errors, fileProblem);

  const hash = fingerprint.hash;
  // The saved place first, then the clear count: a clear between the two reads makes the place look
  // stale (the tuples are granted again), never a stale place look valid.
  const saved = settings.restart ? undefined : await target.resumePoint(hash);
  const clears = await target.clears();
  const resumedAt = saved && saved.clears === clears ? Math.min(saved.done, total) : 0;
  const staleResumeAt = saved && saved.clears !== clears && saved.done > 0 ? saved.done : undefined;
  // A run that resumes answers for the tuples the interrupted runs buffered too: its span starts where theirs did.
  const after = resumedAt > 0 && saved?.after !== undefined ? Math.min(saved.after, settings.after ?? saved.after) : settings.after;

  started = Date.now();
  let index = 0;
  let buffered = 0;
  let token: string | undefined;
  let batch: ConditionalTuple[] = [];
  let lastAt: string | undefined;
  const done = () => resumedAt + buffered;
  const flushBatch = async () => {
    token = await target.grantMany(batch);
    buffered += batch.length;
    batch = [];
    await target.saveResume(hash, { done: done(), clears, ...(after !== undefined ? { after } : {}) });
    const perSec = rate(buffered, started);
    report({
      phase: 'buffering',
      done: done(),
      total,
      ratePerSec: perSec,
      etaMs: perSec > 0 ? ((total - done()) / perSec) * 1000 : undefined,
    });
  };
  const changed = (where: string) =>
    new TupleImportStoppedError(
      path,
      'file-changed',
      done(),
      total,
      `${path}: the file changed during the import (${where}, it is not what was validated): ` +
        `${done()} of the ${total} tuples validated were buffered, nothing after them. ` +
        'Run the import again: it validates the file as it is now.',
    );
  try {
    for await (const entry of readTupleFile(path, format, fingerprint.verifier())) {
      // Every block was compared before it was parsed, so neither can happen with the bytes validated.
      if (entry.error !== undefined) throw changed(`${entry.at}: ${entry.error}`);
      if (index >= total) throw changed(`${entry.at} is a tuple more than the ${total} validated`);
      let tuple: ConditionalTuple;
      try {
        tuple = target.validate(withoutNullCondition(entry.value));
      } catch (err) {
        throw new TupleImportStoppedError(
          path,
          'refused-on-second-pass',
          done(),
          total,
          `${path}: ${entry.at}: ${messageOf(err)}, though it passed validation a moment before (did the authorization model change?): ` +
            `${done()} of the ${total} tuples were buffered, nothing after them. Run the import again.`,
        );
      }
      lastAt = entry.at;
      if (index++ < resumedAt) continue;
      batch.push(tuple);
      if (batch.length >= chunk) await flushBatch();
    }
    if (batch.length > 0) await flushBatch();
  } catch (err) {
    if (err instanceof FileChangedSignal) {
      throw changed(`${lastAt ? `after ${lastAt}` : 'from its start'}, at byte ${err.offset}`);
    }
    throw err;
  }
  if ((await target.clears()) !== clears) {
    // Its place is stale already (another clear count); forget it.
    await target.saveResume(hash, undefined);
    throw new TupleImportStoppedError(
      path,
      'buffer-cleared',
      done(),
      total,
      `${path}: the buffer was cleared (openfga:cache:clear) during the import: some of the ${total} tuples may have been discarded. ` +
        'Run the import again (it starts from the first tuple).',
    );
  }
  await target.saveResume(hash, undefined);
  return {
    total,
    buffered,
    resumedAt,
    ...(staleResumeAt !== undefined ? { staleResumeAt } : {}),
    clears,
    ...(token ? { token } : {}),
    ...(after !== undefined ? { after } : {}),
  };
}

/** `"condition": null`, as OpenFGA's Read API returns a tuple without one, is no condition. */
function withoutNullCondition(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !('condition' in value) || value.condition !== null) return value;
  const { condition: _none, ...rest } = value as Record<string, unknown>;
  return rest;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function rate(count: number, since: number): number {
  const seconds = (Date.now() - since) / 1000;
  return seconds > 0 ? count / seconds : 0;
}
