/** Text formatting shared by the CLI commands. */
import type { FlushResult } from '../flush/flush-result';
import type { Tuple } from '../tuple/tuple';

/** `1 operation`, `2 operations`. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

/** `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor(s / 60) % 60).padStart(2, '0')} min`;
}

/** A tuple in OpenFGA's own notation: `object#relation@user`. */
export function formatTuple(t: Tuple): string {
  return `${t.object}#${t.relation}@${t.user}`;
}

/** `3 writes, 1 delete, 0 failed, 0 dead-lettered`. */
export function formatFlushCounts(r: Pick<FlushResult, 'writes' | 'deletes' | 'failed' | 'deadLettered'>): string {
  return `${plural(r.writes, 'write')}, ${plural(r.deletes, 'delete')}, ${r.failed} failed, ${r.deadLettered} dead-lettered`;
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `store 01H… (prefix "openfga")`, with `, connection "billing"` for a named connection (or when `always`). */
export function formatBuffer(o: { storeId: string; prefix: string; connection: string }, always = false): string {
  const connection = always || o.connection !== 'default' ? `, connection "${o.connection}"` : '';
  return `store ${o.storeId} (prefix "${o.prefix}"${connection})`;
}

/** ` (1 of them waiting to retry after a failed write)` after a count of `total` operations, `retrying` of which wait out a retry backoff. */
export function retryingNote(retrying: number, total: number): string {
  if (retrying === 0) return '';
  const which = retrying < total ? `${retrying} of them ` : total > 1 ? 'all ' : '';
  return ` (${which}waiting to retry after a failed write)`;
}
