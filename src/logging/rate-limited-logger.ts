import { coreLogger } from './core-logger';

/** Within this long, a repeated line is counted instead of logged. */
const WINDOW_MS = 10_000;

/**
 * A core logger that logs a repeated line (same level and message) at most
 * once per 10 s, and says how many it held back when it logs it again: an
 * outage must not write dozens of identical warnings a second.
 */
export function rateLimitedLogger(context: string) {
  const logger = coreLogger(context);
  const last = new Map<string, { at: number; held: number }>();
  const emit = (level: 'log' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}) => {
    const key = `${level} ${message}`;
    const now = Date.now();
    const seen = last.get(key);
    if (seen && now - seen.at < WINDOW_MS) {
      seen.held++;
      return;
    }
    last.set(key, { at: now, held: 0 });
    const held = seen?.held ? { repeatedSinceLast: seen.held } : {};
    logger[level]({ message, ...fields, ...held });
  };
  return {
    log: (message: string, fields?: Record<string, unknown>) => emit('log', message, fields),
    warn: (message: string, fields?: Record<string, unknown>) => emit('warn', message, fields),
    error: (message: string, fields?: Record<string, unknown>) => emit('error', message, fields),
  };
}
