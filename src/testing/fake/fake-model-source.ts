import { readFileSync } from 'node:fs';
import { InvalidModelError } from '../../model/invalid-model.error';
import { loadOptionalPeer } from '../../observability/load-optional-peer';
import type { FakeAuthorizationModel } from './fake-model';

/**
 * The fake's `model`: OpenFGA's JSON form, the `.fga` DSL text itself, or the
 * path of a `.fga` (DSL) or `.json` file.
 */
export type FakeModelSource = FakeAuthorizationModel | string;

/** The part of @openfga/syntax-transformer the fake uses (as the CLI's model-source.ts). */
interface SyntaxTransformer {
  validator: { validateDSL(dsl: string): void };
  transformer: { transformDSLToJSONObject(dsl: string): FakeAuthorizationModel };
}

const FEATURE = 'a .fga model given to OpenFgaFake / OpenFgaTestingModule';
/** DSL text: more than one line, or the `model` keyword first (after comments); anything else is a path. */
const DSL_TEXT = /\n|^\s*model\b/;

/**
 * The JSON form of `source`. DSL is parsed and validated by the optional peer
 * @openfga/syntax-transformer, loaded only here; a file is read synchronously
 * (the fake is built in a constructor). Throws InvalidModelError naming what is wrong.
 */
export function resolveFakeModel(source: FakeModelSource): FakeAuthorizationModel {
  if (typeof source !== 'string') return source;
  if (DSL_TEXT.test(source)) return fromDsl(source, 'model (the .fga text)');
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidModelError(
      'model',
      `a model's JSON form, its .fga text, or the path of a readable .fga or .json file${code ? ` (reading it: ${code})` : ''}`,
      source,
    );
  }
  return source.endsWith('.json') ? fromJson(text, source) : fromDsl(text, `model (the file ${source})`);
}

function fromDsl(text: string, field: string): FakeAuthorizationModel {
  const syntax = loadOptionalPeer<SyntaxTransformer>('@openfga/syntax-transformer', FEATURE);
  try {
    syntax.validator.validateDSL(text);
    return syntax.transformer.transformDSLToJSONObject(text);
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new InvalidModelError(field, `a valid OpenFGA model (${message})`, text);
  }
}

function fromJson(text: string, path: string): FakeAuthorizationModel {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidModelError(`model (the file ${path})`, `JSON (${err instanceof Error ? err.message : String(err)})`, text);
  }
  // A model, or a ReadAuthorizationModel response that wraps it.
  const wrapped = (json as { authorization_model?: unknown } | null)?.authorization_model;
  return (wrapped ?? json) as FakeAuthorizationModel;
}
