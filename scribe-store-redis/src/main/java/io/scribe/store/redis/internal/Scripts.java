package io.scribe.store.redis.internal;

/** The Lua scripts the Redis store runs: one round trip, atomic, per commit. */
public final class Scripts {

    private Scripts() {}

    /** Marks a new store, atomically: KEYS: meta; ARGV: the format version. Fields already there are kept. */
    public static final String MARK = String.join("\n",
            "redis.call('HSETNX', KEYS[1], 'format', 'scribe')",
            "redis.call('HSETNX', KEYS[1], 'version', ARGV[1])",
            "return 1");

    /**
     * Applies one commit. KEYS: meta, seq, log, objects, cursors. ARGV: number of scribes, of object states, of
     * cursors, the pub/sub channel, the publishing node's token, then the scribes, then (field, state) pairs, then
     * (client, cursor) pairs. Returns the id of the first appended scribe (0 when none).
     *
     * <p>Redis does not roll a script back when a command fails half way, so every check that can fail runs before
     * the first write: key types, the store's format, and the sequence being an integer.
     */
    public static final String COMMIT = String.join("\n",
            "local expected = {'hash', 'string', 'hash', 'hash', 'hash'}",
            "for i = 1, 5 do",
            "  local t = redis.call('TYPE', KEYS[i]).ok",
            "  if t ~= 'none' and t ~= expected[i] then",
            "    return redis.error_reply('SCRIBE key ' .. KEYS[i] .. ' holds a ' .. t .. ', not a ' .. expected[i]",
            "        .. '; nothing was written')",
            "  end",
            "end",
            "if redis.call('HGET', KEYS[1], 'format') ~= 'scribe' then",
            "  return redis.error_reply('SCRIBE ' .. KEYS[1] .. ' does not mark a Scribe store; nothing was written')",
            "end",
            "local seq = redis.call('GET', KEYS[2])",
            "if seq and not tonumber(seq) then",
            "  return redis.error_reply('SCRIBE key ' .. KEYS[2] .. ' is not a number: ' .. seq",
            "      .. '; nothing was written')",
            "end",
            "local ns, no, nc = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])",
            "local a = 6",
            "local first, last = 0, 0",
            "if ns > 0 then",
            "  last = redis.call('INCRBY', KEYS[2], ns)",
            "  first = last - ns + 1",
            "  for i = 0, ns - 1 do redis.call('HSET', KEYS[3], first + i, ARGV[a + i]) end",
            "  a = a + ns",
            "end",
            "for i = 0, no - 1 do redis.call('HSET', KEYS[4], ARGV[a + 2 * i], ARGV[a + 2 * i + 1]) end",
            "a = a + 2 * no",
            "for i = 0, nc - 1 do",
            "  if ARGV[a + 2 * i + 1] == '' then redis.call('HDEL', KEYS[5], ARGV[a + 2 * i])",
            "  else redis.call('HSET', KEYS[5], ARGV[a + 2 * i], ARGV[a + 2 * i + 1]) end",
            "end",
            "if ns > 0 then redis.call('PUBLISH', ARGV[4], ARGV[5] .. ' ' .. last) end",
            "return first");

    /**
     * Compacts one batch, atomically. KEYS: meta, seq, log, objects. ARGV: the id of the last scribe to remove, the
     * most ids to remove in this call, then (field, state) pairs of tombstones to remove if the field still holds
     * exactly that state. Raises the meta hash's {@code compacted} field (the last id removed; never above the
     * sequence, never down) before it deletes the log's fields from the old value + 1 up to it. Returns the new
     * {@code compacted}.
     */
    public static final String COMPACT = String.join("\n",
            "local expected = {'hash', 'string', 'hash', 'hash'}",
            "for i = 1, 4 do",
            "  local t = redis.call('TYPE', KEYS[i]).ok",
            "  if t ~= 'none' and t ~= expected[i] then",
            "    return redis.error_reply('SCRIBE key ' .. KEYS[i] .. ' holds a ' .. t .. ', not a ' .. expected[i]",
            "        .. '; nothing was removed')",
            "  end",
            "end",
            "if redis.call('HGET', KEYS[1], 'format') ~= 'scribe' then",
            "  return redis.error_reply('SCRIBE ' .. KEYS[1] .. ' does not mark a Scribe store; nothing was removed')",
            "end",
            "local seq = tonumber(redis.call('GET', KEYS[2]) or '0')",
            "local base = tonumber(redis.call('HGET', KEYS[1], 'compacted') or '0')",
            "if not seq or not base then",
            "  return redis.error_reply('SCRIBE ' .. KEYS[2] .. ' or the compacted field of ' .. KEYS[1]",
            "      .. ' is not a number; nothing was removed')",
            "end",
            "local stop = math.min(tonumber(ARGV[1]), seq, base + tonumber(ARGV[2]))",
            "if stop > base then",
            "  redis.call('HSET', KEYS[1], 'compacted', string.format('%d', stop))",
            "  local fields = {}",
            "  for id = base + 1, stop do",
            "    fields[#fields + 1] = string.format('%d', id)",
            "    if #fields == 1000 then redis.call('HDEL', KEYS[3], unpack(fields)); fields = {} end",
            "  end",
            "  if #fields > 0 then redis.call('HDEL', KEYS[3], unpack(fields)) end",
            "  base = stop",
            "end",
            "for i = 3, #ARGV - 1, 2 do",
            "  if redis.call('HGET', KEYS[4], ARGV[i]) == ARGV[i + 1] then redis.call('HDEL', KEYS[4], ARGV[i]) end",
            "end",
            "return base");
}
