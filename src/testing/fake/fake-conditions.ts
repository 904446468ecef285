/**
 * A small evaluator of OpenFGA condition expressions (a subset of CEL) for the
 * fake: literals (numbers, strings, true/false/null, lists), parameters,
 * `+ -` (numbers, timestamp + duration), comparisons `< <= > >= == !=`, `in`,
 * `! && ||` and parentheses. Timestamps (RFC 3339) and durations ("1h30m",
 * "90s", "250ms") compare as milliseconds. Anything else (functions, methods,
 * maps, the ternary) cannot be evaluated: the check fails closed, as a check
 * OpenFGA cannot evaluate does.
 */
export class ConditionNotEvaluable extends Error {}

type Value = number | string | boolean | null | Value[];
type Node =
  | { k: 'lit'; v: Value }
  | { k: 'param'; name: string }
  | { k: 'list'; items: Node[] }
  | { k: 'not'; e: Node }
  | { k: 'neg'; e: Node }
  | { k: 'bin'; op: string; l: Node; r: Node };

const TOKEN = /\s*(?:(\d+(?:\.\d+)?)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|==|!=|&&|\|\||[<>+\-!()[\],]))/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    if (/^\s*$/.test(src.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) throw new ConditionNotEvaluable(`unsupported syntax at "${src.slice(at, at + 10)}"`);
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  }
  return out;
}

function parse(src: string): Node {
  const t = tokenize(src);
  let i = 0;
  const peek = () => t[i];
  const take = (expected?: string) => {
    const tok = t[i++];
    if (tok === undefined || (expected !== undefined && tok !== expected))
      throw new ConditionNotEvaluable(`expected ${expected ?? 'more'} in "${src}"`);
    return tok;
  };
  const binary = (next: () => Node, ops: string[]) => (): Node => {
    let l = next();
    while (ops.includes(peek())) {
      const op = take();
      l = { k: 'bin', op, l, r: next() };
    }
    return l;
  };
  const primary = (): Node => {
    const tok = take();
    if (tok === '(') {
      const e = or();
      take(')');
      return e;
    }
    if (tok === '[') {
      const items: Node[] = [];
      while (peek() !== ']') {
        items.push(or());
        if (peek() === ',') take(',');
        else break;
      }
      take(']');
      return { k: 'list', items };
    }
    if (tok === '!') return { k: 'not', e: primary() };
    if (tok === '-') return { k: 'neg', e: primary() };
    if (/^\d/.test(tok)) return { k: 'lit', v: Number(tok) };
    if (/^["']/.test(tok)) return { k: 'lit', v: JSON.parse(`"${tok.slice(1, -1).replace(/"/g, '\\"')}"`) as string };
    if (tok === 'true' || tok === 'false') return { k: 'lit', v: tok === 'true' };
    if (tok === 'null') return { k: 'lit', v: null };
    if (/^[A-Za-z_]/.test(tok) && peek() !== '(' && peek() !== '.') return { k: 'param', name: tok };
    throw new ConditionNotEvaluable(`unsupported expression "${tok}" in "${src}"`);
  };
  const additive = binary(primary, ['+', '-']);
  const relation = binary(additive, ['<', '<=', '>', '>=', '==', '!=', 'in']);
  const and = binary(relation, ['&&']);
  const or: () => Node = binary(and, ['||']);
  const tree = or();
  if (i !== t.length) throw new ConditionNotEvaluable(`unsupported syntax near "${t[i]}" in "${src}"`);
  return tree;
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;

/** A parameter's value as the evaluator compares it: timestamps and durations as milliseconds. */
function typed(value: unknown, typeName: string, name: string): Value {
  if (typeName === 'TYPE_NAME_TIMESTAMP') {
    const ms = typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isNaN(ms)) throw new ConditionNotEvaluable(`parameter ${name} is not a timestamp`);
    return ms;
  }
  if (typeName === 'TYPE_NAME_DURATION') {
    if (typeof value !== 'string' || !/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(value))
      throw new ConditionNotEvaluable(`parameter ${name} is not a duration`);
    const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
    return [...value.matchAll(DURATION_PART)].reduce((sum, [, n, u]) => sum + Number(n) * unit[u], 0);
  }
  return value as Value;
}

function evaluate(node: Node, params: Map<string, Value>): Value {
  switch (node.k) {
    case 'lit':
      return node.v;
    case 'param':
      if (!params.has(node.name)) throw new ConditionNotEvaluable(`missing context parameter ${node.name}`);
      return params.get(node.name)!;
    case 'list':
      return node.items.map((n) => evaluate(n, params));
    case 'not':
      return !truthy(evaluate(node.e, params));
    case 'neg':
      return -(evaluate(node.e, params) as number);
    case 'bin': {
      if (node.op === '&&') return truthy(evaluate(node.l, params)) && truthy(evaluate(node.r, params));
      if (node.op === '||') return truthy(evaluate(node.l, params)) || truthy(evaluate(node.r, params));
      const l = evaluate(node.l, params);
      const r = evaluate(node.r, params);
      switch (node.op) {
        case '+':
          return (l as number) + (r as number);
        case '-':
          return (l as number) - (r as number);
        case '<':
          return (l as number) < (r as number);
        case '<=':
          return (l as number) <= (r as number);
        case '>':
          return (l as number) > (r as number);
        case '>=':
          return (l as number) >= (r as number);
        case '==':
          return JSON.stringify(l) === JSON.stringify(r);
        case '!=':
          return JSON.stringify(l) !== JSON.stringify(r);
        case 'in':
          if (!Array.isArray(r)) throw new ConditionNotEvaluable('"in" needs a list');
          return r.some((x) => JSON.stringify(x) === JSON.stringify(l));
      }
    }
  }
  throw new ConditionNotEvaluable('unsupported expression');
}

function truthy(v: Value): boolean {
  if (typeof v !== 'boolean') throw new ConditionNotEvaluable('a condition must be boolean');
  return v;
}

/**
 * Whether a condition holds for a tuple: `expression` over `parameters` (name → OpenFGA type), with the
 * tuple's context, then the check's (the tuple's wins, as in OpenFGA). Throws ConditionNotEvaluable.
 */
export function conditionHolds(
  expression: string,
  parameters: Record<string, { type_name?: string }>,
  tupleContext: Record<string, unknown> = {},
  checkContext: Record<string, unknown> = {},
): boolean {
  const merged = { ...checkContext, ...tupleContext };
  const params = new Map<string, Value>();
  for (const [name, value] of Object.entries(merged)) {
    if (name in parameters) params.set(name, typed(value, parameters[name]?.type_name ?? '', name));
  }
  return truthy(evaluate(parse(expression), params));
}
