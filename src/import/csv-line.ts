/**
 * Splits one CSV record into cells (RFC 4180): cells may be quoted, a quote
 * inside a quoted cell is doubled, and a quoted cell may span lines (the
 * caller joins them with `\n`). Returns undefined when a quoted cell is
 * still open at the end of `text`: the record goes on on the next line.
 * Throws for text after a closing quote.
 */
export function csvRecordCells(text: string): string[] | undefined {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let cell = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) return undefined;
        cell += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          cell += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      cells.push(cell);
      if (i < text.length && text[i] !== ',') throw new Error(`unexpected "${text[i]}" after a quoted cell`);
    } else {
      const comma = text.indexOf(',', i);
      cells.push(text.slice(i, comma < 0 ? text.length : comma));
      i = comma < 0 ? text.length : comma;
    }
    if (i >= text.length) return cells;
    i++; // the comma
    if (i === text.length) {
      cells.push('');
      return cells;
    }
  }
}

/** The cells of a CSV record on one line; throws when a quoted cell is not closed on it. */
export function parseCsvLine(line: string): string[] {
  const cells = csvRecordCells(line);
  if (!cells) throw new Error('a quoted cell is not closed on its line');
  return cells;
}
