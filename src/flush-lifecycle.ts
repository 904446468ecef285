import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { SchedulerRegistry } from '@nestjs/schedule';
import type { OpenFgaCore } from './core/openfga-core';
import { OPENFGA_CORE } from './openfga.constants';
import { InvalidOptionsError } from './options/invalid-options.error';
import { getFlushCronJobName } from './flush/flush-cron-job-name';
import { MissingPeerDependencyError } from './errors/missing-peer-dependency.error';

/**
 * Nest lifecycle of the flush side that the service does not own: starts
 * the queue worker (`queue.worker`) and registers the `cron` flush trigger
 * in @nestjs/schedule's `SchedulerRegistry` at bootstrap; removes the cron
 * job before shutdown. The worker closes with the core, after the shutdown
 * flush, so jobs still running settle before Redis is closed.
 */
@Injectable()
export class FlushLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OpenFgaFlushTriggers');
  private cron?: { registry: SchedulerRegistry; name: string };

  constructor(
    @Inject(OPENFGA_CORE) private readonly core: OpenFgaCore,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { options, queue } = this.core;
    if (queue && options.queue.worker) await queue.startWorker();
    if (options.enabled && options.cron) await this.registerCron(options.cron);
  }

  beforeApplicationShutdown(): void {
    if (!this.cron) return;
    const { registry, name } = this.cron;
    this.cron = undefined;
    // deleteCronJob stops the job too, so no tick starts a flush after this point.
    if (registry.doesExist('cron', name)) registry.deleteCronJob(name);
  }

  private async registerCron(expression: string): Promise<void> {
    const { SchedulerRegistry, CronJob } = await loadSchedule();
    let registry: SchedulerRegistry;
    try {
      registry = this.moduleRef.get(SchedulerRegistry, { strict: false });
    } catch (err) {
      throw scheduleMissing(err);
    }
    const name = getFlushCronJobName(this.core.options.prefix, this.core.options.storeId);
    let job;
    try {
      job = CronJob.from({ cronTime: expression, onTick: () => this.core.flusher.kick(), start: false, name });
    } catch (err) {
      throw new InvalidOptionsError('cron', `a valid cron expression (${err instanceof Error ? err.message : String(err)})`, expression);
    }
    registry.addCronJob(name, job);
    job.start();
    this.cron = { registry, name };
    this.logger.log({ message: 'Cron flush registered', name, cron: expression });
  }
}

/**
 * @nestjs/schedule (and the `cron` package it depends on, resolved from its
 * location so both agree on one copy) load only when `cron` is set: apps
 * without it do not need them installed.
 */
async function loadSchedule(): Promise<{ SchedulerRegistry: typeof SchedulerRegistry; CronJob: typeof import('cron').CronJob }> {
  try {
    const { SchedulerRegistry } = await import('@nestjs/schedule');
    const { CronJob } = (await import(require.resolve('cron', { paths: [require.resolve('@nestjs/schedule')] }))) as typeof import('cron');
    return { SchedulerRegistry, CronJob };
  } catch (err) {
    throw scheduleMissing(err);
  }
}

function scheduleMissing(cause: unknown): MissingPeerDependencyError {
  return new MissingPeerDependencyError(
    '@nestjs/schedule',
    'OpenFgaModule option "cron"',
    'add `ScheduleModule.forRoot()` to the imports of your application module (or remove the "cron" option)',
    cause,
  );
}
