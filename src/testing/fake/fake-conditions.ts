/**
 * Evaluates OpenFGA condition expressions for the fake with a CEL evaluator
 * (the optional peer @bufbuild/cel, see fake-cel.ts), as OpenFGA evaluates
 * them with cel-go (internal/condition): CEL's standard library and OpenFGA's
 * `ipaddress` type, parameters converted from JSON to their declared types.
 * What OpenFGA fails the check for fails here with ConditionNotEvaluable: a
 * declared parameter missing from both contexts (even one the expression
 * would not reach), a value its type cannot take, an evaluation error, an
 * expression that does not parse or is not boolean.
 */
import type { CelInput, CelResult } from '@bufbuild/cel';
import { celPeers, type CelPeers } from './fake-cel';
import { celTypeOf, celValueOf, ConditionNotEvaluable } from './fake-condition-params';
import type { FakeConditionParameterType } from './fake-model';

export { ConditionNotEvaluable };

type Program = (bindings: Record<string, CelInput>) => CelResult;

/** Parsed and planned expressions, by parameter types and expression: a model's conditions are few. */
const programs = new Map<string, Program>();
const MAX_PROGRAMS = 1000;

/**
 * Whether a condition holds for a tuple: `expression` over `parameters` (name → OpenFGA type), with the
 * tuple's context, then the check's (the tuple's wins, as in OpenFGA). Throws ConditionNotEvaluable, or
 * MissingPeerDependencyError without @bufbuild/cel installed.
 */
export function conditionHolds(
  expression: string,
  parameters: Readonly<Record<string, FakeConditionParameterType>>,
  tupleContext: Readonly<Record<string, unknown>> = {},
  checkContext: Readonly<Record<string, unknown>> = {},
): boolean {
  const peers = celPeers();
  const merged = { ...checkContext, ...tupleContext };
  const bindings: Record<string, CelInput> = {};
  const missing: string[] = [];
  for (const [name, type] of Object.entries(parameters)) {
    if (!Object.hasOwn(merged, name)) missing.push(name);
    else bindings[name] = named(name, () => celValueOf(merged[name], type, peers));
  }
  if (missing.length > 0) throw new ConditionNotEvaluable(`missing context parameters ${missing.join(', ')}`);
  const result = program(expression, parameters, peers)(bindings);
  if (peers.cel.isCelError(result)) throw new ConditionNotEvaluable(`failed to evaluate the expression: ${result.message}`);
  if (typeof result !== 'boolean') throw new ConditionNotEvaluable('the expression is not boolean');
  return result;
}

function named<T>(parameter: string, convert: () => T): T {
  try {
    return convert();
  } catch (err) {
    if (err instanceof ConditionNotEvaluable) throw new ConditionNotEvaluable(`context parameter ${parameter}: ${err.message}`);
    throw err;
  }
}

function program(expression: string, parameters: Readonly<Record<string, FakeConditionParameterType>>, peers: CelPeers): Program {
  const key = `${JSON.stringify(parameters)}\n${expression}`;
  let planned = programs.get(key);
  if (planned) return planned;
  const { cel } = peers;
  const variables = Object.fromEntries(Object.entries(parameters).map(([name, type]) => [name, celTypeOf(type, peers)]));
  let parsed: ReturnType<typeof cel.parse>;
  try {
    parsed = cel.parse(expression);
  } catch (err) {
    throw new ConditionNotEvaluable(`the expression does not parse: ${err instanceof Error ? err.message : String(err)}`);
  }
  planned = cel.plan(cel.celEnv({ variables, funcs: peers.funcs, registry: peers.registry }), parsed) as Program;
  if (programs.size >= MAX_PROGRAMS) programs.clear();
  programs.set(key, planned);
  return planned;
}
