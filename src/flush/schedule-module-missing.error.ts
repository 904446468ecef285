/** Thrown at start-up when the `cron` option is set but @nestjs/schedule's `SchedulerRegistry` cannot be found. */
export class ScheduleModuleMissingError extends Error {
  override readonly name = 'ScheduleModuleMissingError';

  constructor(cause?: unknown) {
    super(
      'OpenFgaModule option "cron" registers its flush through @nestjs/schedule: install "@nestjs/schedule" and add ' +
        '`ScheduleModule.forRoot()` to the imports of your application module (or remove the "cron" option)',
      { cause },
    );
  }
}
