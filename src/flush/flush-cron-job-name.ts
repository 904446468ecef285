/**
 * Name under which the `cron` flush trigger is registered in @nestjs/schedule's
 * `SchedulerRegistry`, one per store and key prefix.
 *
 * @example
 * schedulerRegistry.getCronJob(getFlushCronJobName('openfga', storeId)).stop(); // pause the cron flush
 */
export function getFlushCronJobName(prefix: string, storeId: string): string {
  return `openfga-flush:${prefix}:${storeId}`;
}
