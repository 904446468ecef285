/**
 * The `non_expired_grant` condition of model.fga compares the check's
 * `current_time` with when a time-limited share was granted. Every check or
 * list that may reach such a share passes the request's time: without it
 * OpenFGA refuses the check ("missing context parameters") and the guard
 * denies (403).
 */
export const TEMPORARY_SHARE_CONDITION = 'non_expired_grant';

/** The condition's request-time parameter, now. */
export function requestTime(): { current_time: string } {
  return { current_time: new Date().toISOString() };
}

/** `@Check`'s `context` option for relations that depend on `document#viewer`: a function, so it is read per request. */
export const withRequestTime = { context: requestTime } as const;
