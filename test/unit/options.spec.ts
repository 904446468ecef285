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
    [{ apiUrl: 'http://127.0.0.1:8080?timeout=5' }, 'apiUrl'],
    [{ apiUrl: 'http://127.0.0.1:8080/#stores' }, 'apiUrl'],
    [{ apiUrl: 'http://[::1' }, 'apiUrl'],
    [{ storeId: '' }, 'storeId'],
    [{ authorizationModelId: 'latest' }, 'authorizationModelId'],
    [{ redis: 42 }, 'redis'],
    [{ redis: [] }, 'redis'],
    [{ redis: { cluster: [] } }, 'redis.cluster'],
    [{ redis: { cluster: 'redis://127.0.0.1:7000' } }, 'redis.cluster'],
    [{ redis: { cluster: [{ host: '127.0.0.1' }] } }, 'redis.cluster'],
    [{ redis: { cluster: [{ host: '127.0.0.1', port: 7000 }], option: {} } }, 'redis.option'],
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

  // Longer than 2^31 - 1 ms, a Node.js timer fires after 1 ms: a change feed "every 35 days" polled OpenFGA every millisecond.
  it.each([
    [{ modelRefreshInterval: 3e6 }, 'modelRefreshInterval'],
    [{ flushInterval: Number.MAX_VALUE }, 'flushInterval'],
    [{ shutdownTimeout: 2_147_484 }, 'shutdownTimeout'],
    [{ checkTimeout: 1e10 }, 'checkTimeout'],
    [{ changeFeed: { interval: 3e6 } }, 'changeFeed.interval'],
    [{ queue: { backoff: 3e6 } }, 'queue.backoff'],
    [{ queue: { timeout: 3e6 } }, 'queue.timeout'],
    [{ acknowledge: { timeout: 3e6 } }, 'acknowledge.timeout'],
  ])('rejects %j, longer than a Node.js timer holds, naming %s', (override, option) => {
    expect(() => resolveOptions({ ...valid, ...override } as never)).toThrow(
      expect.objectContaining({ option, message: expect.stringContaining('at most 2147483 (about 24.8 days') }),
    );
  });

  it('takes Cluster nodes with their options, and clients whose `cluster` is the CLUSTER command', () => {
    const cluster = { cluster: [{ host: '127.0.0.1', port: 7000 }], options: { scaleReads: 'master' as const } };
    expect(resolveOptions({ ...valid, redis: cluster }).redis).toBe(cluster);
    const client = { cluster: () => undefined, status: 'wait' };
    expect(resolveOptions({ ...valid, redis: client as never }).redis).toBe(client);
  });

  it('drops the trailing slashes of apiUrl (the SDK appends "/stores/...")', () => {
    expect(resolveOptions({ ...valid, apiUrl: 'https://fga.example.com/' }).apiUrl).toBe('https://fga.example.com');
    expect(resolveOptions({ ...valid, apiUrl: 'http://127.0.0.1:8080/fga//' }).apiUrl).toBe('http://127.0.0.1:8080/fga');
    expect(resolveOptions(valid).apiUrl).toBe(valid.apiUrl);
  });

  it('takes durations up to the longest Node.js timer (2147483 s)', () => {
    const longest = 2_147_483;
    const o = resolveOptions({ ...valid, modelRefreshInterval: longest, changeFeed: { interval: longest }, leaseTtl: longest });
    expect(o).toMatchObject({ modelRefreshInterval: longest, leaseTtl: longest, changeFeed: { interval: longest } });
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
