import { BatchLease, LeaseRenewalStatus } from '../../src/flush/batch-lease';

/** A renewal whose answer the test gives (or never gives), recording when each was sent. */
function fakeRenewals() {
  const sent: number[] = [];
  const answers: ((status: LeaseRenewalStatus) => void)[] = [];
  const renew = (sentAt: number) => {
    sent.push(sentAt);
    return new Promise<LeaseRenewalStatus>((resolve) => answers.push(resolve));
  };
  return { sent, answers, renew };
}

describe('BatchLease', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  const settle = () => jest.advanceTimersByTimeAsync(0);

  it('renews every third of the lease and stays valid while renewals are confirmed', async () => {
    const r = fakeRenewals();
    const lease = new BatchLease(r.renew, { leaseMs: 3000, validUntil: Date.now() + 3000 });
    for (let i = 0; i < 5; i++) {
      await jest.advanceTimersByTimeAsync(1000);
      r.answers[i]('held');
      await settle();
    }
    expect(r.sent).toHaveLength(5);
    expect(lease.signal.aborted).toBe(false);
    expect(lease.fence()).toBeUndefined();
    expect(lease.until).toBe(r.sent[4] + 3000); // from when the renewal was sent, not answered
    lease.stop();
  });

  it('aborts as soon as a renewal reports the lease lost', async () => {
    const r = fakeRenewals();
    const lease = new BatchLease(r.renew, { leaseMs: 3000, validUntil: Date.now() + 3000 });
    await jest.advanceTimersByTimeAsync(1000);
    r.answers[0]('lost');
    await settle();
    expect(lease.signal.aborted).toBe(true);
    expect(lease.fence()).toMatch(/lost/);
    await jest.advanceTimersByTimeAsync(5000);
    expect(r.sent).toHaveLength(1); // no more renewals
  });

  it('aborts a margin before the lease ends when no renewal was confirmed (Redis silent)', async () => {
    const r = fakeRenewals();
    const lease = new BatchLease(r.renew, { leaseMs: 3000, validUntil: Date.now() + 3000 });
    await jest.advanceTimersByTimeAsync(1999);
    expect(lease.signal.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(lease.signal.aborted).toBe(true);
    expect(lease.fence()).toMatch(/about to expire/);
    lease.stop();
  });

  it('a renewal confirmed late counts from when it was sent', async () => {
    const r = fakeRenewals();
    const lease = new BatchLease(r.renew, { leaseMs: 3000, validUntil: Date.now() + 3000 });
    await jest.advanceTimersByTimeAsync(1000);
    const sentAt = r.sent[0];
    await jest.advanceTimersByTimeAsync(900); // answered 900 ms later
    r.answers[0]('held');
    await settle();
    expect(lease.until).toBe(sentAt + 3000);
    await jest.advanceTimersByTimeAsync(sentAt + 2000 - Date.now() - 1);
    expect(lease.signal.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(lease.signal.aborted).toBe(true);
    lease.stop();
  });

  it('fence reads the clock: a process whose timers fire late still stops before its next request', () => {
    let now = 1_000_000;
    const lease = new BatchLease(() => new Promise<LeaseRenewalStatus>(() => undefined), {
      leaseMs: 3000,
      validUntil: now + 3000,
      now: () => now,
    });
    expect(lease.fence()).toBeUndefined();
    now += 10_000; // stalled: no timer ran
    expect(lease.fence()).toMatch(/about to expire/);
    expect(lease.signal.aborted).toBe(true);
    lease.stop();
  });

  it('starts aborted when the claim that took the lease is already too old', () => {
    const lease = new BatchLease(() => Promise.resolve<LeaseRenewalStatus>('held'), {
      leaseMs: 3000,
      validUntil: Date.now() - 1,
    });
    expect(lease.signal.aborted).toBe(true);
    lease.stop();
  });
});
