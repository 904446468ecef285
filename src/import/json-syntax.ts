/**
 * Where a JSON text stops being JSON, for a message naming its line and
 * column: `JSON.parse` names a position only in some of its messages
 * (`Unexpected token ']', "[1,2,]" is not valid JSON` names none). Only run
 * once `JSON.parse` has failed. Undefined when the text is JSON after all, or
 * nested too deeply to scan.
 */
export function jsonSyntaxErrorOffset(text: string): number | undefined {
  let i = 0;
  const fail = (): never => {
    throw new JsonSyntaxStop(i);
  };
  const space = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const expect = (c: string) => {
    if (text[i] !== c) fail();
    i++;
  };
  const string = () => {
    expect('"');
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') fail();
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 5;
        } else {
          if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
          i++;
        }
      } else {
        i++;
      }
    }
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          space();
          string();
          space();
          expect(':');
        }
        value();
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect(close);
        return;
      }
    }
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if (!NUMBER.test(text)) fail();
    i = NUMBER.lastIndex;
  };
  try {
    value();
    space();
    if (i < text.length) fail();
    return undefined;
  } catch (err) {
    if (err instanceof JsonSyntaxStop) return err.offset;
    return undefined; // too deep for the stack: no position
  }
}

class JsonSyntaxStop {
  constructor(readonly offset: number) {}
}

/** `line L, column C` (both from 1) of an offset of `text`, lines ending at `\r\n`, `\n` or `\r`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  const breaks = /\r\n|\n|\r/g;
  for (let m = breaks.exec(text); m && m.index < offset; m = breaks.exec(text)) {
    line++;
    start = m.index + m[0].length;
  }
  return { line, column: offset - start + 1 };
}
