/**
 * The fields of a buffer record, `op|seq|ts|attempts|model[|condition]`
 * (see redis-keys.ts; lua/includes/parseRecord.lua reads it in scripts).
 * Scripts hand records over whole and they are split here: cheaper than
 * splitting them in Lua and returning every field.
 */

/** The op code (`w` grant, `d` revoke) and position of a record. */
export function recordOpAndSeq(record: string): { op: string; seq: number } {
  const end = record.indexOf('|', 2);
  return { op: record[0], seq: Number(record.slice(2, end)) };
}

/** Where a record's model field starts: after its fourth `|`. */
function modelStart(record: string): number {
  let at = -1;
  for (let n = 0; n < 4; n++) at = record.indexOf('|', at + 1);
  return at + 1;
}

/** The model field of a record: from its fourth `|` to the fifth, if any (a condition follows it). */
export function modelField(record: string): string {
  const from = modelStart(record);
  const end = record.indexOf('|', from);
  return record.slice(from, end < 0 ? undefined : end);
}

/** A conditional grant's condition (JSON): what follows the record's fifth `|`; '' none. */
export function conditionField(record: string): string {
  const end = record.indexOf('|', modelStart(record));
  return end < 0 ? '' : record.slice(end + 1);
}
