/** The printed report: one line per benchmark id. */
import { ratio } from './format';
import { BenchResult, passed } from './result';

const TITLE_WIDTH = 28;
const ID_WIDTH = 4;

export function resultLine(r: BenchResult): string {
  const head = `${r.id.padEnd(ID_WIDTH)} ${r.title.padEnd(TITLE_WIDTH)}`;
  if (r.error !== undefined) return `${head} ERROR ${r.error}`;
  const checks = r.checks.map((c) => `${c.label} ${c.shown ?? ratio(c.ratio, c.limit)} (target ${c.target})`).join('; ');
  return `${head} ${r.summary} | ${checks} | ${passed(r) ? 'PASS' : 'MISS'}`;
}

export function headerLine(mode: string): string {
  return `${'id'.padEnd(ID_WIDTH)} ${'benchmark'.padEnd(TITLE_WIDTH)} measured | ratio vs baseline measured in the same run (${mode} mode) | target`;
}
