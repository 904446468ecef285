import type { Redis } from 'ioredis';
import { BufferScripts, ScriptName } from '../../src/buffer/buffer-scripts';

/** The Lua each script is registered with (the client only records definitions; the integration suites run them on Redis). */
function definitions(): Map<string, { numberOfKeys: number; lua: string }> {
  const defined = new Map<string, { numberOfKeys: number; lua: string }>();
  const client = { defineCommand: (name: string, d: { numberOfKeys: number; lua: string }) => defined.set(name, d) };
  new BufferScripts(client as unknown as Redis);
  return new Map([...defined].map(([name, d]) => [name.replace(/^nestjsOpenfga_/, '').replace(/_\d+_\d+_\d+\w*$/, ''), d]));
}

const helpers = (lua: string) => [...lua.matchAll(/^local function (\w+)/gm)].map((m) => m[1]);

describe('BufferScripts', () => {
  const scripts = definitions();

  it('registers every script under a versioned name with the key count of its file name', () => {
    const names: ScriptName[] = [
      'enqueue',
      'claim',
      'settle',
      'check',
      'populate',
      'status',
      'clear',
      'retry-dead',
      'due',
      'invalidate',
      'oldest-seq',
      'renew',
      'reassert',
    ];
    for (const name of names) expect(scripts.get(name.replace(/-/g, '_'))).toBeDefined();
    expect(scripts.get('enqueue')?.numberOfKeys).toBe(6);
    expect(scripts.get('check')?.numberOfKeys).toBe(4);
    expect(scripts.get('settle')?.numberOfKeys).toBe(7);
  });

  it('prepends only the helpers a script uses, and those they use', () => {
    expect(helpers(scripts.get('check')!.lua)).toEqual([]);
    expect(helpers(scripts.get('populate')!.lua)).toEqual([]);
    expect(helpers(scripts.get('enqueue')!.lua)).toEqual(['callSliced', 'modelIndex', 'appendOps']);
    expect(helpers(scripts.get('settle')!.lua)).toEqual([
      'parseRecord',
      'makeRecord',
      'callSliced',
      'modelId',
      'watchBatch',
      'pruneWatch',
      'recordAcks',
      'requeueBatch',
      'markRevoked',
    ]);
    expect(helpers(scripts.get('renew')!.lua)).toEqual(['callSliced', 'watchBatch']);
    for (const [, { lua }] of scripts) expect(lua.startsWith('local rcall = redis.call')).toBe(true);
  });
});
