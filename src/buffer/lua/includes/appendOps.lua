--[[
  Appends ops to the buffer and bumps the generations they may change, in one
  step. Per tuple the last op wins: a pending op on the same tuple is replaced
  (the caller sends one op per tuple). Every op enters the queue scored by its
  position; one whose tuple is in flight waits there until claim finds it
  still in flight and drops it, and settle (or claim, for an expired lease)
  puts it back once the in-flight op is done: two ops on one tuple are never
  in flight together.

  K       seq, pending, queue, count, epoch (the first five KEYS of enqueue and retry-dead)
  A       a list holding, from index `at`, n pairs of op and tuple key; op is
          'w' | 'd', or 'w' followed by a grant's condition as JSON, which
          goes into the record's last field (see makeRecord)
  G       a list holding, from index `g` to its end, the generation keys the
          ops may change: their objects' and users' buckets and the relations
          the model graph says they reach beyond those (the caller's KEYS)
  ix      the outstanding-op index: { prefix, byUser } (see outstandingIndex)
  storeWide  also bump the epoch, which every cached answer records: the
          writer could not scope the ops by the model (no graph, another
          graph than the store's, a relation the model lacks)
  Every generation key (and the epoch) is set to the position of the last
  op: a fresh value, never seen in that key before.
  Returns the position of the last op.
]]
--- @include "callSliced"
--- @include "outstandingIndex"
--- @include "indexOne"
local function appendOps(K, now, m, A, at, n, G, g, ix, storeWide)
  local suffix = '|' .. now .. '|0|' .. m
  local gens = {}
  if n == 1 then
    -- One op (a grant or a revoke): the same steps without the bookkeeping of many.
    local op, tk = A[at], A[at + 1]
    local rec
    if #op > 1 then
      rec, op = '|' .. string.sub(op, 2), string.sub(op, 1, 1)
    end
    local seq = rcall('INCR', K[1])
    local was = rcall('HGET', K[2], tk)
    rcall('HSET', K[2], tk, rec and (op .. '|' .. seq .. suffix .. rec) or (op .. '|' .. seq .. suffix))
    was = was and string.sub(was, 1, 1)
    if was ~= op then
      rcall('HINCRBY', K[4], op, 1)
      if was then
        rcall('HINCRBY', K[4], was, -1)
      end
    end
    rcall('ZADD', K[3], seq, tk)
    if not was then
      indexOne(ix, tk)
    end
    for i = g, #G do
      gens[#gens + 1] = G[i]
      gens[#gens + 1] = seq
    end
    if storeWide then
      gens[#gens + 1] = K[5]
      gens[#gens + 1] = seq
    end
    rcall('MSET', unpack(gens))
    return seq
  end

  local last = rcall('INCRBY', K[1], n)
  local first = last - n
  local kind = string.sub(A[at], 1, 1)
  local tks, records, queued, ops = {}, {}, {}, {}
  for i = 1, n do
    local op, tk, seq = A[at + 2 * i - 2], A[at + 2 * i - 1], tostring(first + i)
    local rec = op .. '|' .. seq .. suffix
    if #op > 1 then
      rec = string.sub(op, 1, 1) .. '|' .. seq .. suffix .. '|' .. string.sub(op, 2)
      op = string.sub(op, 1, 1)
    end
    ops[i] = op
    if op ~= kind then
      kind = nil
    end
    tks[i] = tk
    records[2 * i - 1] = tk
    records[2 * i] = rec
    queued[2 * i - 1] = seq
    queued[2 * i] = tk
  end
  -- Pending counts per kind. When every op is of one kind and no pending op is
  -- of the other, each op replaces (if anything) an op of its own kind: the
  -- count grows by the ops that are new, which HSET reports, and the previous
  -- ops need not be read.
  local other = kind and (kind == 'w' and 'd' or 'w')
  if other and (tonumber(rcall('HGET', K[4], other)) or 0) == 0 then
    local added = 0
    for from = 1, #records, SLICE do
      added = added + rcall('HSET', K[2], unpack(records, from, math.min(from + SLICE - 1, #records)))
    end
    if added > 0 then rcall('HINCRBY', K[4], kind, added) end
  else
    local previous = callSliced('HMGET', K[2], tks, true)
    local dw, dd = 0, 0
    for i = 1, n do
      local prev = previous[i]
      if prev then
        if string.sub(prev, 1, 1) == 'w' then dw = dw - 1 else dd = dd - 1 end
      end
      if ops[i] == 'w' then dw = dw + 1 else dd = dd + 1 end
    end
    callSliced('HSET', K[2], records)
    if dw ~= 0 then rcall('HINCRBY', K[4], 'w', dw) end
    if dd ~= 0 then rcall('HINCRBY', K[4], 'd', dd) end
  end
  callSliced('ZADD', K[3], queued)
  -- Idempotent: a tuple already outstanding keeps its entries.
  indexOutstanding(ix, tks, true)
  for i = g, #G do
    gens[#gens + 1] = G[i]
    gens[#gens + 1] = last
  end
  if storeWide then
    gens[#gens + 1] = K[5]
    gens[#gens + 1] = last
  end
  callSliced('MSET', false, gens)
  return last
end
