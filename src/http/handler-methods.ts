/** The methods of a prototype chain, nearest first, without Object's. */
export function methods(prototype: object): [string, object][] {
  const seen = new Set<string>();
  const out: [string, object][] = [];
  for (let p: object | null = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name === 'constructor' || seen.has(name)) continue;
      seen.add(name);
      const value = Object.getOwnPropertyDescriptor(p, name)?.value as unknown;
      if (typeof value === 'function') out.push([name, value]);
    }
  }
  return out;
}

/** Whether a decorator list read from metadata has any entry. */
export function hasItems(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}
