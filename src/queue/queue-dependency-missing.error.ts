/** Thrown at start-up when `queue.enabled` is set but BullMQ is not installed. */
export class QueueDependencyMissingError extends Error {
  override readonly name = 'QueueDependencyMissingError';

  constructor(cause: unknown) {
    super('OpenFgaModule option "queue.enabled" needs the "bullmq" package: install it with `npm install bullmq`', { cause });
  }
}
