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
    [{ cacheMemoryLimit: 0 }, 'cacheMemoryLimit'],
    [{ cacheMemoryLimit: 1.5 }, 'cacheMemoryLimit'],
    [{ requestTimeout: 30, leaseTtl: 30 }, 'requestTimeout'],
    [{ retryBaseDelay: 5, retryMaxDelay: 1 }, 'retryMaxDelay'],
    [{ cron: 'often' }, 'cron'],
    [{ queue: { attempts: 0 } }, 'queue.attempts'],
    [{ queue: { tries: 3 } }, 'queue.tries'],
    [{ batch_size: 100 }, 'batch_size'],
    [{ credentials: { method: 'oauth', config: {} } }, 'credentials'],
    [{ credentials: { method: 'api_token' } }, 'credentials.config'],
    [{ credentials: { method: 'api_token', config: { token: ' ' } } }, 'credentials.config.token'],
    [
      { credentials: { method: 'client_credentials', config: { clientId: 'a', clientSecret: 'b', apiAudience: 'c' } } },
      'credentials.config.apiTokenIssuer',
    ],
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

  it('never echoes a password or secret it received', () => {
    const messages = [
      { apiUrl: 'ftp://admin:s3cret@127.0.0.1:8080' },
      { apiUrl: 'http://127.0.0.1:8080', credentials: { method: 'client_credentials', config: { clientSecret: 's3cret' } } },
      { apiUrl: 'http://127.0.0.1:8080', credentials: { method: 'api_token', config: { token: 's3cret' } }, prefix: 'bad prefix' },
    ].map((override) => {
      try {
        resolveOptions({ ...valid, ...override } as never);
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    });
    expect(messages[0]).toContain('"ftp://admin:***@127.0.0.1:8080"');
    for (const m of messages) {
      expect(m).toMatch(/^OpenFgaModule option "\w+(\.\w+)*" must be/);
      expect(m).not.toContain('s3cret');
    }
  });

  it('takes resolved options back (as a worker process receives them), keeping their connection, and refuses a contradicting one', () => {
    const billing = resolveOptions(valid as never, 'billing');
    expect(billing.connection).toBe('billing');
    expect(resolveOptions(JSON.parse(JSON.stringify(billing)) as never).connection).toBe('billing');
    expect(() => resolveOptions({ ...valid, connection: 'billing' } as never, 'default')).toThrow(
      /option "connection" must be absent: name a connection with forRoot\(\{ name \}\)/,
    );
  });
});
