import type { ClassifiedError } from '../client/classify-error';

/**
 * Whether a transient failure means OpenFGA could not be reached or could
 * not serve (network error, timeout, 5xx, 429): the failures DESIGN
 * invariant 4 keeps in the buffer whatever the number of attempts. Other
 * transient failures (credentials refused, store or model missing) need an
 * operator; a job that gives up on them dead-letters its operations.
 */
export function isOpenFgaUnreachable(error: ClassifiedError): boolean {
  return error.kind === 'transient' && (error.status === undefined || error.status >= 500 || error.status === 429);
}
