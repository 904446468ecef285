import type { CheckOptions } from '../openfga.service';
import type { OpenFgaRequest } from '../options/openfga-options.interface';
import { CONSISTENCY_TOKEN_HEADER } from './openfga-http.constants';

const HEADER = CONSISTENCY_TOKEN_HEADER.toLowerCase();

/**
 * The check options a request asks for: `at-least-as-fresh` with the token of
 * its `X-Consistency-Token` header, the default level without one. An empty or
 * repeated header is passed on as it is (a repeated one joined), so the service
 * rejects it as malformed instead of this layer silently picking or dropping one.
 *
 * @example
 * consistencyFromHeaders({ headers: { 'x-consistency-token': token } }); // { consistency: 'at-least-as-fresh', token }
 */
export function consistencyFromHeaders(request: OpenFgaRequest): CheckOptions {
  const value = request.headers?.[HEADER];
  if (value === undefined) return {};
  return { consistency: 'at-least-as-fresh', token: Array.isArray(value) ? value.join(', ') : value };
}
