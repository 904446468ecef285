import { waitAtMost } from '../../src/timing/wait-at-most';

describe('waitAtMost', () => {
  it('resolves when the work resolves, before the time is up', async () => {
    const started = Date.now();
    await expect(waitAtMost(Promise.resolve('done'), 10_000)).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('resolves, without the error, when the work rejects', async () => {
    await expect(waitAtMost(Promise.reject(new Error('refused')), 10_000)).resolves.toBeUndefined();
  });

  it('resolves once the time is up when the work never settles', async () => {
    const started = Date.now();
    await expect(waitAtMost(new Promise(() => undefined), 50)).resolves.toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});
