import { join } from 'node:path';
import type { LuaScripts } from '../redis/lua-scripts';
import { objectGen, parseTupleKey, relationGen, StoreKeys, userGen } from '../redis/redis-keys';
import type { ReadScope } from '../scope/relation-scope';
import type { ConditionalTuple, Tuple, TupleCondition } from '../tuple/tuple';
import { conditionField, recordOpAndSeq } from './buffer-record';

/** An outstanding op (pending or in flight) a read may depend on. */
export interface OutstandingOp {
  kind: 'grant' | 'revoke';
  key: string;
  tuple: Tuple;
  /** Its buffer position. */
  seq: number;
  /** A grant's condition: sent with it as a contextual tuple; OpenFGA evaluates it. */
  condition?: TupleCondition;
}

/** A pending grant as a contextual tuple: with its condition, which OpenFGA evaluates as it would the written tuple's. */
export function contextual(op: OutstandingOp): ConditionalTuple {
  return op.condition ? { ...op.tuple, condition: op.condition } : op.tuple;
}

/**
 * What a read the cache could not answer sees of the buffer, in one step:
 * the generations its answer would be cached under, and the outstanding ops
 * it may depend on.
 */
export interface ReadSnapshot {
  objectGen: string;
  userGen: string;
  relationGen: string;
  epoch: string;
  /** Revokes pending or in flight in the whole store when the snapshot was taken. */
  outstandingRevokes: number;
  /** When a revoke (or a grant that sets a condition) was last written to OpenFGA by any process (ms since the epoch; 0: never). */
  revokedAt: number;
  /**
   * With a read scope: the outstanding ops the answer may depend on (both kinds), complete when
   * `complete`. Without one: the store's outstanding grants when they could be listed, else undefined.
   */
  ops?: OutstandingOp[];
  /** Whether `ops` lists every op the answer may depend on. */
  complete: boolean;
}

/** How much one snapshot lists. */
export interface SnapshotLimits {
  /** Most index entries read (more: an incomplete snapshot; the read writes the listed ops first). */
  listed: number;
  /** Without a read scope: most pending grants listed (more: an incomplete snapshot). */
  grants: number;
}

/**
 * Reads the outstanding-op index (written by the buffer's scripts, see
 * lua/includes/outstandingIndex.lua) for the read path: one script per read
 * (snapshot-10.lua), or one for many (snapshot-many, batchCheck). It sits
 * beside the scripts that write the index and the records it parses.
 */
export class OutstandingOps {
  /** The relation generation of readers without a graph: no write bumps it (they rely on the epoch). */
  readonly unscopedRelationKey: string;

  constructor(
    private readonly scripts: LuaScripts,
    private readonly keys: StoreKeys,
  ) {
    scripts.use(join(__dirname, 'lua'));
    this.unscopedRelationKey = keys.base + relationGen('');
  }

  async snapshot(t: Tuple, scope: ReadScope | undefined, limits: SnapshotLimits): Promise<ReadSnapshot> {
    const { keys, args } = this.call(t, scope, limits);
    const reply = await this.scripts.run<(number | string)[]>('snapshot', keys, args);
    return parseSnapshot(reply, scope !== undefined, limits.listed);
  }

  /** The snapshots of many reads in ONE script call, in the order of `reads`. */
  async snapshots(reads: readonly { t: Tuple; scope: ReadScope | undefined; limits: SnapshotLimits }[]): Promise<ReadSnapshot[]> {
    if (reads.length === 0) return [];
    const keys: string[] = [];
    const args: (string | number)[] = [];
    for (const r of reads) {
      const call = this.call(r.t, r.scope, r.limits);
      keys.push(...call.keys);
      args.push(call.args.length, ...call.args);
    }
    const replies = await this.scripts.run<(number | string)[][]>('snapshot-many', keys, args);
    return replies.map((reply, i) => parseSnapshot(reply, reads[i].scope !== undefined, reads[i].limits.listed));
  }

  /** The keys and arguments of the snapshot script for one read (see snapshot-10.lua). */
  private call(t: Tuple, scope: ReadScope | undefined, limits: SnapshotLimits): { keys: string[]; args: (string | number)[] } {
    const k = this.keys;
    const args: (string | number)[] = [limits.listed];
    if (scope) {
      args.push('scoped', scope.graphId);
      for (const r of scope.ranges) args.push(r.pair, r.kind, r.value);
    } else {
      args.push('all', limits.grants);
    }
    const keys = [
      k.base + objectGen(t.object),
      k.base + userGen(t.user),
      scope?.relationKey ?? this.unscopedRelationKey,
      k.epoch,
      k.count,
      k.revoked,
      k.pending,
      k.inflight,
      k.base,
      k.graph,
    ];
    return { keys, args };
  }
}

/** A snapshot script's reply (see snapshot-10.lua). */
function parseSnapshot(reply: (number | string)[], scoped: boolean, listed: number): ReadSnapshot {
  const indexed = Number(reply[7]);
  const ops: OutstandingOp[] = [];
  for (let i = 8; i < reply.length; i += 2) {
    const key = String(reply[i]);
    const record = String(reply[i + 1]);
    const { op, seq } = recordOpAndSeq(record);
    const condition = conditionField(record);
    ops.push({
      kind: op === 'w' ? 'grant' : 'revoke',
      key,
      tuple: parseTupleKey(key),
      seq,
      ...(condition ? { condition: JSON.parse(condition) as TupleCondition } : {}),
    });
  }
  // Scoped: every indexed entry was read (each op has two or three, in different ranges or not).
  const complete = scoped ? indexed <= listed : indexed >= 0;
  return {
    objectGen: String(reply[0]),
    userGen: String(reply[1]),
    relationGen: String(reply[2]),
    epoch: String(reply[3]),
    outstandingRevokes: Number(reply[4]),
    revokedAt: Number(reply[5]),
    ...(scoped || complete ? { ops } : {}),
    complete,
  };
}
