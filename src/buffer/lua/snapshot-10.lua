--[[
  The snapshot of a read the cache could not answer, for asking OpenFGA:
  the generations the answer will be cached under, and the outstanding ops
  (pending or in flight) its relation depends on.

  KEYS[1] object generation   KEYS[2] user generation   KEYS[3] relation generation
  KEYS[4] epoch   KEYS[5] count   KEYS[6] revoked   KEYS[7] pending   KEYS[8] inflight
  KEYS[9] the store's key prefix (batches b:<id>, index ix:<pair>)   KEYS[10] graph
  ARGV[1] most ops to list
  ARGV[2] 'scoped': ARGV[3] is the reader's graph, ARGV[4..] are triples (pair,
            kind, value) naming index ranges of the pair's outstanding ops (see
            outstandingIndex.lua): 'o' object = value, 'u' user = value, 'n'
            wildcard and userset users, 'a' every op. By-user entries exist only
            for the pairs the store's graph reads by user: a reader following
            another graph reads those pairs whole
          'all': no graph; every outstanding grant is listed when there are at
            most ARGV[3] of them (and the buffer is small enough to read)

  Returns { object gen, user gen, relation gen, epoch, outstanding revokes in
  the store, when a revoke was last written to OpenFGA (ms, 0: never), the
  store's graph ('' none), n, then ops as pairs (tuple key, its latest
  record: pending, else in flight; split by src/buffer/buffer-record.ts) }.
  Scoped: n is how many index entries the ranges hold; fewer ops than that
  are listed when n > ARGV[1] (or a tuple sits in several ranges).
  All: n is the number of outstanding grants, -1 when too many or too costly
  to list; only grants are listed.
]]
--- @include "readSnapshot"
return readSnapshot(KEYS, ARGV)
