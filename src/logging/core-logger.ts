import { Logger } from '@nestjs/common';

/**
 * How the framework-free core logs. It is the core's one tie to Nest: Nest's
 * `Logger` works without an application and follows the application's logger
 * once one is set (`app.useLogger`), so the core's lines look like the app's.
 * Everything below the Nest layer logs through this seam.
 */
export type CoreLogger = Pick<Logger, 'debug' | 'log' | 'warn' | 'error'>;

export function coreLogger(context: string): CoreLogger {
  return new Logger(context);
}
