package dev.tributary.redis.broker;

import dev.tributary.history.HistoryStore;
import dev.tributary.redis.LuaScript;
import dev.tributary.redis.RedisLink;
import dev.tributary.redis.RedisPipeline;
import dev.tributary.support.Clock;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * History shared by every node, in Redis. A channel {@code C} has a stream
 * {@code tributary.history.{C}} (entry id = offset, fields {@code d} data, {@code i} info,
 * {@code t} time) and a meta hash {@code tributary.history.meta.{C}} ({@code e} epoch, {@code s}
 * last offset, {@code l} age limit), both on the Redis the broker's ring picks for {@code C}.
 *
 * <p>One Lua script ({@link #APPEND}) increments the offset, adds the entry (XADD MAXLEN ~), sets
 * the expiries and PUBLISHes the push with the offset in it: atomic in Redis, so no two nodes get
 * the same offset, none is skipped, and the pub/sub order of a channel is its offset order. It runs
 * on the broker's ordered publish connection, so one node's publications of a channel keep their
 * order too. A stream whose meta key expired (or was never there) starts a new epoch; the stream
 * goes {@code historyTtlSeconds} after its last publication, the meta key
 * {@code channels.historyMetaTtlSeconds} after it. Entries older than the age limit are not
 * returned (XADD trims by count only).
 *
 * <p>Reads ({@link #READ}) fetch the position and the entries in one script, atomically, through
 * the pooled client. Thread-safe; futures complete on Redis's context.
 */
public final class RedisHistory implements HistoryStore {
  static final String STREAM = "tributary.history.{";
  static final String META = "tributary.history.meta.{";

  /**
   * KEYS: stream, meta. ARGV: max length, stream ttl s, meta ttl s, new epoch, pub/sub channel
   * ('' = none), channel JSON, data JSON, info JSON ('' = none), time ms, age limit ms, publish
   * command ({@code spublish} on a cluster: the channel is hash-tagged into the keys' slot; default
   * {@code publish}). Returns {offset, epoch}.
   */
  static final LuaScript APPEND = new LuaScript("""
      local epoch = redis.call('hget', KEYS[2], 'e')
      if not epoch then
        epoch = ARGV[4]
        redis.call('del', KEYS[1])
        redis.call('hset', KEYS[2], 'e', epoch)
      end
      local offset = redis.call('hincrby', KEYS[2], 's', 1)
      redis.call('hset', KEYS[2], 'l', ARGV[10], 'n', ARGV[1])
      redis.call('expire', KEYS[2], ARGV[3])
      redis.call('xadd', KEYS[1], 'MAXLEN', '~', ARGV[1], offset .. '-0', 'd', ARGV[7], 'i', ARGV[8], 't', ARGV[9])
      redis.call('expire', KEYS[1], ARGV[2])
      if ARGV[5] ~= '' then
        local info = ''
        if ARGV[8] ~= '' then info = ',"info":' .. ARGV[8] end
        redis.call(ARGV[11] or 'publish', ARGV[5], offset .. '\\n{"push":{"channel":' .. ARGV[6] .. ',"pub":{"data":' .. ARGV[7]
          .. info .. ',"offset":' .. offset .. '}}}')
      end
      return {offset, epoch}
      """);

  /**
   * KEYS: stream, meta. ARGV: new epoch, meta ttl s, first offset to read, count (0 = position
   * only), reverse ('1': from the first offset down), now ms, max bytes, all or nothing ('1': no
   * entries when the budget is exceeded). Only the last {@code n} (the history size) offsets are
   * read: XADD trims approximately ({@code MAXLEN ~}, whole radix-tree nodes, about 20 % less Redis
   * CPU per append than exact trimming), so the stream may hold a few more. Entries older than the
   * age limit are skipped and not counted. Entries are read in chunks and taken while their bytes
   * ({@code HistoryStore.replyBytes}: 48 + data + info, the same count as the memory store's) stay
   * within max bytes, so a large stream is never read whole. Returns {epoch, last offset, entries,
   * truncated (1 when the budget ended the read)}.
   */
  static final LuaScript READ = new LuaScript("""
      local epoch = redis.call('hget', KEYS[2], 'e')
      if not epoch then
        epoch = ARGV[1]
        redis.call('del', KEYS[1])
        redis.call('hset', KEYS[2], 'e', epoch)
        redis.call('expire', KEYS[2], ARGV[2])
      end
      local top = tonumber(redis.call('hget', KEYS[2], 's') or '0')
      local age = tonumber(redis.call('hget', KEYS[2], 'l') or '0')
      local size = tonumber(redis.call('hget', KEYS[2], 'n') or '0')
      local low = 1
      if size > 0 and top - size + 1 > low then
        low = top - size + 1
      end
      local oldest = nil
      if age > 0 then
        oldest = tonumber(ARGV[6]) - age
      end
      local count = tonumber(ARGV[4])
      local reverse = ARGV[5] == '1'
      local maxBytes = tonumber(ARGV[7])
      local entries = {}
      local bytes = 0
      local truncated = 0
      local cursor = tonumber(ARGV[3])
      if reverse then
        if cursor > top then cursor = top end
      elseif cursor < low then
        cursor = low
      end
      while count > 0 and #entries < count and truncated == 0
          and ((reverse and cursor >= low) or (not reverse and cursor <= top)) do
        local chunk
        local n = math.min(count - #entries, 128)
        if reverse then
          chunk = redis.call('xrevrange', KEYS[1], string.format('%d-0', cursor), string.format('%d-0', low), 'COUNT', n)
        else
          chunk = redis.call('xrange', KEYS[1], string.format('%d-0', cursor), string.format('%d-0', top), 'COUNT', n)
        end
        if #chunk == 0 then
          break
        end
        for _, e in ipairs(chunk) do
          local id = tonumber(string.match(e[1], '^(%d+)'))
          if reverse then cursor = id - 1 else cursor = id + 1 end
          local f = e[2]
          local d, i, t = '', '', 0
          for k = 1, #f, 2 do
            if f[k] == 'd' then d = f[k + 1] elseif f[k] == 'i' then i = f[k + 1] elseif f[k] == 't' then t = tonumber(f[k + 1]) end
          end
          if oldest == nil or t >= oldest then
            bytes = bytes + 48 + #d + #i
            if bytes > maxBytes then
              truncated = 1
              break
            end
            entries[#entries + 1] = e
            if #entries >= count then
              break
            end
          end
        end
      end
      if truncated == 1 and ARGV[8] == '1' then
        entries = {}
      end
      return {epoch, string.format('%d', top), entries, truncated}
      """);

  private final Function<String, RedisLink> linkFor;
  private final Function<String, RedisPipeline> publisherFor;
  private final Clock clock;
  private final int metaTtlSeconds;

  RedisHistory(Function<String, RedisLink> linkFor, Function<String, RedisPipeline> publisherFor, Clock clock,
      int metaTtlSeconds) {
    this.linkFor = linkFor;
    this.publisherFor = publisherFor;
    this.clock = clock;
    this.metaTtlSeconds = metaTtlSeconds;
  }

  @Override
  public Future<Position> append(String channel, String dataJson, String infoJson, int maxSize, long ttlMillis) {
    return appendAndPublish(channel, dataJson, infoJson, maxSize, ttlMillis, "");
  }

  /** Appends and, unless {@code pubsubChannel} is empty, publishes the push on it, atomically. */
  Future<Position> appendAndPublish(String channel, String dataJson, String infoJson, int maxSize, long ttlMillis,
      String pubsubChannel) {
    if (!linkFor.apply(channel).isAvailable()) {
      return Future.failedFuture(new IllegalStateException("redis unavailable: history of " + channel + " cannot be appended"));
    }
    long ttlSeconds = Math.max(1, (ttlMillis + 999) / 1000);
    RedisLink link = linkFor.apply(channel);
    String[] keys = {STREAM + channel + "}", META + channel + "}"};
    // On a cluster by EVAL: the ordered lane cannot load the script on every master (SCRIPT LOAD has
    // no key), and a promoted replica has an empty script cache. EVAL caches it where it runs.
    Request r = (link.isCluster() ? APPEND.eval(keys) : APPEND.evalsha(keys))
        .arg(maxSize).arg(ttlSeconds).arg(Math.max(metaTtlSeconds, ttlSeconds)).arg(newEpoch()).arg(pubsubChannel)
        .arg(Json.encode(channel)).arg(dataJson).arg(infoJson == null ? "" : infoJson).arg(clock.epochMillis())
        .arg(ttlMillis).arg(link.shardedPublish().toString());
    return link.accounted(publisherFor.apply(channel).send(r))
        .recover(err -> Future.failedFuture(new IllegalStateException("history of " + channel + " not appended: " + err, err)))
        .map(res -> new Position(res.get(1).toString(), res.get(0).toLong()));
  }

  @Override
  public Future<Position> position(String channel) {
    return read(channel, 1, 0, false, Long.MAX_VALUE, false).map(Read::position);
  }

  /** {@code DEL} of the stream; the meta key (epoch, top offset) stays. */
  @Override
  public Future<Void> remove(String channel) {
    RedisLink link = linkFor.apply(channel);
    return link.send(Request.cmd(io.vertx.redis.client.Command.DEL).arg(STREAM + channel + "}"))
        .recover(err -> Future.failedFuture(new IllegalStateException("history of " + channel + " not removed: " + err, err)))
        .mapEmpty();
  }

  @Override
  public Future<Recovery> since(String channel, long offset, String epoch, int maxEntries, long maxBytes) {
    return read(channel, offset + 1, maxEntries, false, maxBytes, true).map(rd -> {
      Position pos = rd.position;
      if (epoch == null || !epoch.equals(pos.epoch()) || offset > pos.offset()) {
        return new Recovery(List.of(), false, pos);
      }
      long missed = pos.offset() - offset;
      if (missed == 0) {
        return new Recovery(List.of(), true, pos);
      }
      if (rd.truncated) {
        return new Recovery(List.of(), false, pos, true);
      }
      boolean complete = !rd.entries.isEmpty() && rd.entries.get(0).offset() == offset + 1 && missed <= maxEntries;
      return new Recovery(rd.entries, complete, pos);
    });
  }

  @Override
  public Future<Page> history(String channel, int limit, long sinceOffset, boolean reverse, long maxBytes) {
    long first = reverse ? (sinceOffset <= 0 ? Long.MAX_VALUE : sinceOffset - 1) : sinceOffset + 1;
    return read(channel, first, Math.max(0, limit), reverse, maxBytes, false)
        .map(rd -> new Page(rd.entries, rd.position, rd.truncated));
  }

  private record Read(Position position, List<Entry> entries, boolean truncated) {}

  private Future<Read> read(String channel, long from, int count, boolean reverse, long maxBytes, boolean allOrNothing) {
    String[] args = {newEpoch(), Integer.toString(metaTtlSeconds), Long.toString(from),
        Integer.toString(Math.max(0, count)), reverse ? "1" : "0", Long.toString(clock.epochMillis()),
        Long.toString(maxBytes), allOrNothing ? "1" : "0"};
    return READ.run(linkFor.apply(channel), r -> {
      for (String a : args) {
        r.arg(a);
      }
    }, STREAM + channel + "}", META + channel + "}")
        .recover(err -> Future.failedFuture(new IllegalStateException("history of " + channel + " not readable: " + err, err)))
        .map(res -> {
      Position pos = new Position(res.get(0).toString(), Long.parseLong(res.get(1).toString()));
      Response raw = res.get(2);
      List<Entry> entries = new ArrayList<>(raw == null ? 0 : raw.size());
      if (raw != null) {
        for (Response e : raw) {
          entries.add(entry(e));
        }
      }
      return new Read(pos, entries, res.get(3).toInteger() == 1);
    });
  }

  /** A stream entry: [id "offset-0", [field, value, …]]. */
  private static Entry entry(Response e) {
    String id = e.get(0).toString();
    long offset = Long.parseLong(id.substring(0, id.indexOf('-')));
    Response fields = e.get(1);
    String data = null;
    String info = null;
    long time = 0;
    for (int i = 0; i + 1 < fields.size(); i += 2) {
      String name = fields.get(i).toString();
      switch (name) {
        case "d" -> data = fields.get(i + 1).toString();
        case "i" -> {
          String v = fields.get(i + 1).toString();
          info = v.isEmpty() ? null : v;
        }
        case "t" -> time = Long.parseLong(fields.get(i + 1).toString());
        default -> { }
      }
    }
    return new Entry(offset, data, info, time);
  }

  private static String newEpoch() {
    return Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
  }

}
