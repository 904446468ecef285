import { readFile } from 'node:fs/promises';
import type { ModelDefinitions } from '../model/model-types-source';
import { loadOptionalPeer } from '../observability/load-optional-peer';
import { OpenFgaCliError } from './cli-errors';
import { OpenFgaCliExitCode } from './exit-codes';

/** The part of @openfga/syntax-transformer the CLI uses. */
interface SyntaxTransformer {
  validator: { validateDSL(dsl: string): void };
  transformer: { transformDSLToJSONObject(dsl: string): ModelDefinitions };
}

/**
 * Reads a model file: OpenFGA DSL (`.fga`, parsed and validated by the
 * optional peer @openfga/syntax-transformer, loaded only here) or JSON
 * (`.json`: a model, or a ReadAuthorizationModel response).
 */
export async function readModelFile(path: string): Promise<ModelDefinitions> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new OpenFgaCliError(`cannot read the model file "${path}"${code ? ` (${code})` : ''}`);
  }
  if (path.endsWith('.json')) return parseJsonModel(path, text);
  let syntax: SyntaxTransformer;
  try {
    syntax = loadOptionalPeer<SyntaxTransformer>('@openfga/syntax-transformer', '`nestjs-openfga model types` on a .fga file');
  } catch (err) {
    throw new OpenFgaCliError(err instanceof Error ? err.message : String(err), OpenFgaCliExitCode.Usage);
  }
  try {
    syntax.validator.validateDSL(text);
    return syntax.transformer.transformDSLToJSONObject(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new OpenFgaCliError(`"${path}" is not a valid OpenFGA model: ${message}`);
  }
}

function parseJsonModel(path: string, text: string): ModelDefinitions {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new OpenFgaCliError(`"${path}" is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const wrapped = (json as { authorization_model?: unknown } | null)?.authorization_model;
  const model = (wrapped ?? json) as Partial<ModelDefinitions> | null;
  if (!Array.isArray(model?.type_definitions)) {
    throw new OpenFgaCliError(`"${path}" must hold an authorization model: an object with a "type_definitions" array`);
  }
  return model as ModelDefinitions;
}
