import { Deadlines } from '../../src/timing/deadlines';

describe('Deadlines', () => {
  const never = () => new Promise<never>(() => undefined);

  it('passes answers and errors through', async () => {
    const deadlines = new Deadlines(1000);
    await expect(deadlines.bound(Promise.resolve(42), () => new Error('late'))).resolves.toBe(42);
    await expect(deadlines.bound(Promise.reject(new Error('boom')), () => new Error('late'))).rejects.toThrow('boom');
  });

  it('fails a check that gets no answer within the timeout, never later', async () => {
    const deadlines = new Deadlines(200);
    const started = performance.now();
    await expect(deadlines.bound(never(), () => new Error('late'))).rejects.toThrow('late');
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(200 - 20 - 5); // one sweep period (timeout / 10) early at most
    expect(took).toBeLessThan(200 + 100); // timer slack only
  });

  it('bounds many concurrent checks, each from its own start, and keeps answering after the sweep stopped', async () => {
    const deadlines = new Deadlines(300);
    const first = deadlines.bound(never(), () => new Error('first'));
    await new Promise((r) => setTimeout(r, 100));
    const second = deadlines.bound(never(), () => new Error('second'));
    const answered = deadlines.bound(new Promise((r) => setTimeout(() => r('yes'), 20)), () => new Error('late'));
    const order: string[] = [];
    await Promise.all([
      first.catch((e: Error) => order.push(e.message)),
      second.catch((e: Error) => order.push(e.message)),
      answered.then((v) => order.push(String(v))),
    ]);
    expect(order).toEqual(['yes', 'first', 'second']);
    await new Promise((r) => setTimeout(r, 100)); // idle: the sweep has stopped
    await expect(deadlines.bound(never(), () => new Error('again'))).rejects.toThrow('again');
  });
});
