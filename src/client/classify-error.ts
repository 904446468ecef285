import { FgaApiError } from '@openfga/sdk';

/**
 * - `transient`: the request may succeed later (network, timeout, 5xx, 429,
 *   and errors that are not the tuple's fault: credentials, a missing store or model).
 *   Operations stay in the buffer and are retried with backoff.
 * - `permanent`: OpenFGA rejected the request's content (validation). It is
 *   narrowed down to the offending operations, which are dead-lettered.
 */
export type FailureKind = 'transient' | 'permanent';

export interface ClassifiedError {
  kind: FailureKind;
  message: string;
  status?: number;
  code?: string;
}

/** Validation codes that describe the store or model, not a tuple: every op would fail alike. */
const NOT_THE_TUPLES_FAULT = new Set([
  'authorization_model_not_found',
  'store_id_not_found',
  'invalid_store_id',
  'latest_authorization_model_not_found',
]);

export function classifyError(err: unknown): ClassifiedError {
  if (err instanceof FgaApiError) {
    const status = err.statusCode;
    const code = (err as FgaApiError & { apiErrorCode?: string }).apiErrorCode;
    const message = err.apiErrorMessage || err.message;
    const permanent = status === 400 && !(code && NOT_THE_TUPLES_FAULT.has(code));
    return { kind: permanent ? 'permanent' : 'transient', message, status, code };
  }
  return { kind: 'transient', message: err instanceof Error ? err.message : String(err) };
}

/**
 * Messages OpenFGA servers without the duplicate/missing-ignore options (< 1.10)
 * return for a write that is already applied: replaying it is a success (invariant 3).
 */
export function isAlreadyApplied(e: ClassifiedError): boolean {
  return /already existed|did not exist/i.test(e.message);
}

/**
 * OpenFGA's answer (409) to a grant of a tuple that exists with another condition (or none, or one where
 * it had none): `on_duplicate: ignore` ignores only an identical tuple. The new condition must replace
 * the old one (last op wins): the tuple is deleted, then written (see replaceConditions). Checked before
 * classifyError, which counts a 409 as transient.
 */
export function isConditionConflict(err: unknown): boolean {
  return err instanceof FgaApiError && err.statusCode === 409 && /different condition/i.test(err.apiErrorMessage || err.message);
}
