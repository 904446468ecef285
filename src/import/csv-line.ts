/**
 * Splits one CSV line into cells (RFC 4180): cells may be quoted, a quote
 * inside a quoted cell is doubled. A cell spanning lines is not supported
 * (tuple fields and a condition's JSON context fit on one line).
 */
export function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let cell = '';
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) throw new Error('a quoted cell is not closed on its line');
        cell += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          cell += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      cells.push(cell);
      if (i < line.length && line[i] !== ',') throw new Error(`unexpected "${line[i]}" after a quoted cell`);
    } else {
      const comma = line.indexOf(',', i);
      cells.push(line.slice(i, comma < 0 ? line.length : comma));
      i = comma < 0 ? line.length : comma;
    }
    if (i >= line.length) return cells;
    i++; // the comma
    if (i === line.length) {
      cells.push('');
      return cells;
    }
  }
}
