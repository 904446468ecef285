/**
 * Malformed tuple fields crafted against the buffer's own key layout
 * (`<prefix>:{<store>}:<suffix>`, tuple keys `user relation object`, records
 * `op|seq|ts|attempts|model`): hash tags, key separators and tuple-key
 * forgeries in every field, each made invalid by a character OpenFGA's forms
 * forbid there. Extends test/support/inputs/malformed-inputs.ts for R9.
 */
export function craftedMalformed(storeId: string, prefix: string): { user: unknown[]; relation: unknown[]; object: unknown[] } {
  const tag = `{${storeId}}`;
  const base = `${prefix}:${tag}:`;
  return {
    user: [
      `user:${tag}:pending`, // a colon inside the id
      `user:a viewer document:secret`, // a forged tuple key
      `user:a viewer ${base}pending`,
      `${base}pending`,
      `user:${tag} x`,
      `user:{a}\nSET x 1`,
      `user:}{ `,
      `group:${tag}#mem ber`,
      `group:${tag}#`,
      `group:{a}#member:x`,
      `group:{a}#member#member`,
      `user:a|w|1|1|0 `,
      `user:{a}\u0000`,
      `user:{a}\u2028`,
      `us{er}:a b`,
      `:${tag}`,
      `user:${tag}`.padEnd(600, 'x'), // over 512 characters
      new String('user:anne'), // a String object is not a string
      ['user:anne'],
      { toString: () => 'user:anne' },
      Symbol('user:anne'),
      BigInt(1),
      () => 'user:anne',
    ],
    relation: [
      `viewer ${tag}`,
      `viewer:${tag}`,
      `viewer#${tag}`,
      `${tag}:viewer`,
      `viewer document:secret`,
      'viewer|w|1 ',
      `viewer\u0000${tag}`,
      `viewer\n`,
      `view*${tag}`,
      `@${tag}`,
      `${tag}`.padEnd(60, 'r'), // over 50 characters
      new String('viewer'),
      ['viewer'],
      Symbol('viewer'),
    ],
    object: [
      `${base}pending`, // a buffer key as object: a colon inside the id
      `document:${tag}:pending`,
      `document:${tag}:b:1`,
      `document:{a} viewer user:b`, // a forged tuple key
      `document:${tag}#viewer`,
      `document:${tag}\r\n`,
      `document:}{ `,
      `document:*`,
      `document:a|w|1 `,
      `document:{a}\u00a0`,
      `document:{a}\u0085`,
      `doc ument:${tag}`,
      `do#c:${tag}`,
      `:${tag}`,
      `document:${tag}`.padEnd(300, 'd'), // over 256 characters
      new String('document:1'),
      ['document:1'],
      { toString: () => 'document:1' },
      Symbol('document:1'),
    ],
  };
}

/** Characters the fuzzer builds field values from: separators, hash tags, wildcards, invisible and ordinary ones. */
export const FUZZ_ALPHABET = [
  'a',
  'b',
  '1',
  ':',
  '#',
  '*',
  '@',
  '{',
  '}',
  '|',
  ' ',
  '\t',
  '\n',
  '\r',
  '\u0000',
  '\u00a0',
  '\u2028',
  '\u200b',
  '\ufeff',
  '%',
  '.',
  '-',
  '/',
  'é',
  // Halves of U+1F600: alone they are lone surrogates (rejected); in order they pair up (accepted).
  '\ud83d',
  '\ude00',
];
