import { DEFAULT_OPTIONS, InvalidOptionsError } from '../../src';
import { resolveOptions } from '../../src/options/resolve-options';

const valid = { apiUrl: 'http://127.0.0.1:8080', storeId: '01HVMMBCMGZNT3SED4Z17ECXCA', redis: 'redis://127.0.0.1:6379' };

describe('resolveOptions', () => {
  it('applies the documented defaults (Laravel-compatible where the setting exists)', () => {
    const o = resolveOptions(valid);
    expect(o).toMatchObject({ ...DEFAULT_OPTIONS, batchSize: 100, flushInterval: 5, ttl: 300, enabled: true, flushOnShutdown: true });
    expect(o.queue).toMatchObject({ enabled: false, attempts: 3, name: 'openfga-flush' });
  });

  it.each([
    [{ apiUrl: 'localhost:8080' }, 'apiUrl'],
    [{ storeId: '' }, 'storeId'],
    [{ authorizationModelId: 'latest' }, 'authorizationModelId'],
    [{ redis: 42 }, 'redis'],
    [{ prefix: 'a{b}' }, 'prefix'],
    [{ prefix: '' }, 'prefix'],
    [{ enabled: 'yes' }, 'enabled'],
    [{ batchSize: 1.5 }, 'batchSize'],
    [{ flushInterval: 0 }, 'flushInterval'],
    [{ ttl: -1 }, 'ttl'],
    [{ negativeTtl: Number.NaN }, 'negativeTtl'],
    [{ requestTimeout: 30, leaseTtl: 30 }, 'requestTimeout'],
    [{ retryBaseDelay: 5, retryMaxDelay: 1 }, 'retryMaxDelay'],
    [{ cron: 'often' }, 'cron'],
    [{ queue: { attempts: 0 } }, 'queue.attempts'],
    [{ queue: { tries: 3 } }, 'queue.tries'],
    [{ batch_size: 100 }, 'batch_size'],
  ])('rejects %j naming %s', (override, option) => {
    let err: unknown;
    try {
      resolveOptions({ ...valid, ...override } as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect((err as InvalidOptionsError).option).toBe(option);
    expect((err as Error).message).toContain(`"${option}" must be`);
  });
});
