package dev.tributary.redis.presence;

import dev.tributary.presence.PresenceStore;
import dev.tributary.presence.MemoryPresence;
import dev.tributary.redis.ConsistentHash;
import dev.tributary.redis.LuaScript;
import dev.tributary.metrics.MetricNames;
import dev.tributary.redis.RedisLink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presence shared by every node through Redis, whose entries expire when their node dies.
 *
 * <h2>Keys</h2>
 * Per channel, on the Redis the consistent-hash ring picks for it (the same ring as the Redis
 * broker, so sharded setups work): a hash {@code tributary.presence.data.{<channel>}} (client id →
 * {@code {"client","user"}}) and a sorted set {@code tributary.presence.expire.{<channel>}} (client
 * id → expiry, epoch milliseconds of Redis's clock, so the nodes' clocks do not matter). Every
 * operation is one Lua script, so atomic: add = HSET + ZADD, both keys expiring after the TTL
 * (so a channel whose nodes all died leaves nothing); remove = HDEL + ZREM; read = drop the
 * expired members of both, then HGETALL (stats: clients and distinct users counted in Lua).
 * Scripts go by {@code EVALSHA}, falling back to {@code EVAL} (which loads them) on
 * {@code NOSCRIPT}, as after a Redis restart.
 *
 * <h2>Expiry and refresh</h2>
 * This node keeps its own entries in memory (bounded by its connections × channels per
 * connection) and re-adds all of them every TTL/3, pipelined per link, so a live entry always has
 * at least two thirds of the TTL left; a dead node's entries expire within the TTL. It also
 * re-adds them when a link becomes available again or its subscriber is restored, so presence
 * comes back after a Redis restart without waiting for the period. Writes that may race (an add
 * or a refresh in flight while the client leaves, on another pooled connection) are reconciled
 * with the local entries once they complete.
 *
 * <h2>Failures</h2>
 * Commands go through {@link RedisLink} (breaker, command timeout): with Redis down, reads fail
 * fast with {@link dev.tributary.redis.RedisUnavailableException}, writes are counted in
 * {@code tributary.presence.redis.failed} and logged once per change (WARN when failing starts,
 * INFO when it ends); the local entries stay and are written again when Redis answers.
 *
 * <h2>Threads</h2>
 * Thread-safe. Futures complete on the caller's context when the caller runs on one.
 */
public final class RedisPresence implements PresenceStore {
  static final String DATA_PREFIX = "tributary.presence.data.";
  static final String EXPIRE_PREFIX = "tributary.presence.expire.";
  /** Channels per pipelined refresh batch. */
  private static final int REFRESH_CHUNK = 256;
  /** Clients per script call: a huge channel is refreshed in several calls, not one long script. */
  private static final int CLIENTS_PER_CALL = 1000;
  private static final Logger log = LoggerFactory.getLogger(RedisPresence.class);

  /** Drops the members of KEYS[1] (hash) and KEYS[2] (sorted set) expired by Redis's clock; sets {@code now}. */
  private static final String PRUNE = """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
      if #dead > 0 then
        for i = 1, #dead, 1000 do
          redis.call('HDEL', KEYS[1], unpack(dead, i, math.min(i + 999, #dead)))
        end
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
      end
      """;
  /** ARGV[1] = TTL in ms, then client id and info JSON pairs. */
  static final LuaScript ADD = new LuaScript(PRUNE + """
      local ttl = tonumber(ARGV[1])
      for i = 2, #ARGV, 2 do
        redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
        redis.call('ZADD', KEYS[2], now + ttl, ARGV[i])
      end
      redis.call('PEXPIRE', KEYS[1], ttl)
      redis.call('PEXPIRE', KEYS[2], ttl)
      return 0
      """);
  /** ARGV[1] = client id. */
  static final LuaScript REMOVE = new LuaScript("""
      redis.call('HDEL', KEYS[1], ARGV[1])
      redis.call('ZREM', KEYS[2], ARGV[1])
      return 0
      """);
  static final LuaScript READ = new LuaScript(PRUNE + """
      return redis.call('HGETALL', KEYS[1])
      """);
  static final LuaScript STATS = new LuaScript(PRUNE + """
      local users = {}
      local n = 0
      local values = redis.call('HVALS', KEYS[1])
      for _, v in ipairs(values) do
        local u = cjson.decode(v)['user']
        if users[u] == nil then
          users[u] = true
          n = n + 1
        end
      end
      return {#values, n}
      """);

  private final Vertx vertx;
  private final List<RedisLink> links;
  private final ConsistentHash<RedisLink> ring;
  private final long ttlMillis;
  private final MemoryPresence local = new MemoryPresence();
  private final Counter failed;
  private final AtomicBoolean failing = new AtomicBoolean();
  private final Map<RedisLink, RedisLink.Listener> listeners = new ConcurrentHashMap<>();
  private final long timer;
  /** Adds and removes sent and not yet answered (what {@link #close()} waits for). */
  private final Set<Future<Response>> inFlight = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * Starts the refresh timer and listens to the links' availability.
   *
   * @param links the node's Redis links; a channel's keys live on the one the ring picks for it
   * @param ttlSeconds how long an entry outlives its last refresh (its node's death)
   */
  public RedisPresence(Vertx vertx, List<RedisLink> links, int ttlSeconds, MeterRegistry registry) {
    if (ttlSeconds < 1) {
      throw new IllegalArgumentException("ttlSeconds must be >= 1");
    }
    this.vertx = vertx;
    this.links = List.copyOf(links);
    this.ring = new ConsistentHash<>(this.links, RedisLink::name);
    this.ttlMillis = ttlSeconds * 1000L;
    this.failed = Counter.builder(MetricNames.PRESENCE_REDIS_FAILED)
        .description("presence commands to Redis that failed (entries are written again when it answers)")
        .register(registry);
    Gauge.builder(MetricNames.PRESENCE_LOCAL_ENTRIES, local, MemoryPresence::size)
        .description("this node's presence entries, refreshed in Redis every TTL/3").register(registry);
    for (RedisLink link : this.links) {
      RedisLink.Listener l = new RedisLink.Listener() {
        @Override
        public void availabilityChanged(boolean available) {
          if (available) {
            refresh(link);
          }
        }

        @Override
        public void subscriptionsRestored() {
          refresh(link);
        }
      };
      listeners.put(link, l);
      link.addListener(l);
    }
    this.timer = vertx.setPeriodic(Math.max(1, ttlMillis / 3), id -> refreshAll());
  }

  /** The link holding {@code channel}'s keys. */
  RedisLink linkFor(String channel) {
    return ring.nodeFor(channel);
  }

  @Override
  public Future<Void> add(String channel, ClientInfo info) {
    local.put(channel, info);
    Context caller = Vertx.currentContext();
    Future<Void> written = write(channel, info.client(), true);
    return RedisLink.onContext(caller, written);
  }

  /**
   * Removes the entry here and in Redis. An entry this node does not hold is not written: it was
   * never added, or already removed (an add still in flight removes it when it completes).
   */
  @Override
  public Future<Void> remove(String channel, String clientId) {
    if (!local.delete(channel, clientId)) {
      return Future.succeededFuture();
    }
    Context caller = Vertx.currentContext();
    return RedisLink.onContext(caller, write(channel, clientId, false));
  }

  /**
   * Writes the local truth of one entry to Redis (add if present locally, remove otherwise) and,
   * once done, writes again if the local entry changed meanwhile: the write may have overtaken or
   * been overtaken by another one sent on another pooled connection.
   */
  private Future<Void> write(String channel, String clientId, boolean add) {
    RedisLink link = linkFor(channel);
    Future<Response> sent;
    if (add) {
      ClientInfo info = local.get(channel, clientId);
      if (info == null) {
        return write(channel, clientId, false);
      }
      List<ClientInfo> one = List.of(info);
      sent = eval(link, ADD, channel, r -> addArgs(r, one));
    } else {
      sent = eval(link, REMOVE, channel, r -> r.arg(clientId));
    }
    inFlight.add(sent);
    return sent.transform(ar -> {
      inFlight.remove(sent);
      if (ar.failed()) {
        failure(add ? "add" : "remove", ar.cause());
        return Future.failedFuture(ar.cause());
      }
      recovered();
      if (!closed && local.contains(channel, clientId) != add) {
        write(channel, clientId, !add);
      }
      return Future.succeededFuture();
    });
  }

  @Override
  public Future<Map<String, ClientInfo>> presence(String channel) {
    Context caller = Vertx.currentContext();
    Future<Map<String, ClientInfo>> f = eval(linkFor(channel), READ, channel, r -> { }).map(r -> {
      Map<String, ClientInfo> m = new HashMap<>();
      if (r != null) {
        for (int i = 0; i + 1 < r.size(); i += 2) {
          JsonObject info = new JsonObject(r.get(i + 1).toString());
          m.put(r.get(i).toString(), new ClientInfo(info.getString("client"), info.getString("user"),
              info.getValue("chan_info") instanceof JsonObject ci ? ci : null));
        }
      }
      return m;
    });
    return RedisLink.onContext(caller, read(f));
  }

  @Override
  public Future<Stats> stats(String channel) {
    Context caller = Vertx.currentContext();
    Future<Stats> f = eval(linkFor(channel), STATS, channel, r -> { })
        .map(r -> new Stats(r.get(0).toInteger(), r.get(1).toInteger()));
    return RedisLink.onContext(caller, read(f));
  }

  private <T> Future<T> read(Future<T> f) {
    return f.andThen(ar -> {
      if (ar.failed()) {
        failure("read", ar.cause());
      } else {
        recovered();
      }
    });
  }

  /**
   * Stops refreshing; completes once the adds and removes already sent are answered (or failed:
   * commands time out), so a graceful shutdown's removals reach Redis before the links close.
   * Entries still held stay in Redis until they expire.
   */
  @Override
  public Future<Void> close() {
    closed = true;
    vertx.cancelTimer(timer);
    listeners.forEach(RedisLink::removeListener);
    listeners.clear();
    return Future.join(new ArrayList<>(inFlight)).mapEmpty();
  }

  /** This node's entries, over all channels (what it refreshes). */
  int localEntries() {
    return local.size();
  }

  // ---- refresh ----

  private void refreshAll() {
    for (RedisLink link : links) {
      refresh(link);
    }
  }

  /** Re-adds every local entry whose channel lives on {@code link}, pipelined in chunks. */
  private void refresh(RedisLink link) {
    if (closed || !link.isAvailable()) {
      return; // the link's listener calls again once it answers
    }
    List<Request> batch = new ArrayList<>();
    List<String> batchChannels = new ArrayList<>();
    List<List<ClientInfo>> batchClients = new ArrayList<>();
    for (Map.Entry<String, ConcurrentHashMap<String, ClientInfo>> e : local.channels().entrySet()) {
      String channel = e.getKey();
      if (links.size() > 1 && linkFor(channel) != link) {
        continue;
      }
      List<ClientInfo> all = List.copyOf(e.getValue().values());
      for (int from = 0; from < all.size(); from += CLIENTS_PER_CALL) {
        List<ClientInfo> clients = all.subList(from, Math.min(all.size(), from + CLIENTS_PER_CALL));
        if (link.isCluster()) {
          // A cluster runs a batch on one node only, and SCRIPT LOAD (no key) on any node: one
          // channel per batch, the script by EVAL (cached by the node that runs it).
          batch.add(addArgs(ADD.eval(keys(channel)), clients));
        } else {
          if (batch.isEmpty()) {
            // Loaded in front of each batch (same connection, in order): EVALSHA cannot miss it.
            batch.add(Request.cmd(Command.SCRIPT).arg("LOAD").arg(ADD.text()));
          }
          batch.add(addArgs(ADD.evalsha(keys(channel)), clients));
        }
        batchChannels.add(channel);
        batchClients.add(clients);
      }
      if (batchChannels.size() >= REFRESH_CHUNK || (link.isCluster() && !batchChannels.isEmpty())) {
        sendRefresh(link, batch, batchChannels, batchClients);
        batch = new ArrayList<>();
        batchChannels = new ArrayList<>();
        batchClients = new ArrayList<>();
      }
    }
    if (!batchChannels.isEmpty()) {
      sendRefresh(link, batch, batchChannels, batchClients);
    }
  }

  private void sendRefresh(RedisLink link, List<Request> batch, List<String> channels, List<List<ClientInfo>> clients) {
    link.batch(batch).onComplete(ar -> {
      if (ar.failed()) {
        failure("refresh", ar.cause());
        return;
      }
      recovered();
      // Whoever left while the refresh was in flight may have been written back: remove again.
      for (int i = 0; i < channels.size(); i++) {
        for (ClientInfo c : clients.get(i)) {
          if (!local.contains(channels.get(i), c.client())) {
            write(channels.get(i), c.client(), false);
          }
        }
      }
    });
  }

  // ---- commands ----

  /** ADD's arguments: the TTL, then each client's id and info JSON. */
  private Request addArgs(Request r, List<ClientInfo> clients) {
    r.arg(ttlMillis);
    for (ClientInfo c : clients) {
      r.arg(c.client()).arg(c.toJson().encode());
    }
    return r;
  }

  /** The channel's two keys: its data hash and its expiry set. */
  static String[] keys(String channel) {
    // Hash-tagged: both keys of a channel in one slot of a cluster, as its script needs.
    return new String[] {DATA_PREFIX + "{" + channel + "}", EXPIRE_PREFIX + "{" + channel + "}"};
  }

  private static Future<Response> eval(RedisLink link, LuaScript script, String channel, Consumer<Request> args) {
    return script.run(link, args, keys(channel));
  }

  private void failure(String what, Throwable cause) {
    failed.increment();
    if (failing.compareAndSet(false, true)) {
      log.warn("presence in redis failing ({}: {}); local entries are written again when it answers", what, cause.getMessage());
    } else {
      log.debug("presence {} failed: {}", what, cause.getMessage());
    }
  }

  private void recovered() {
    if (failing.compareAndSet(true, false)) {
      log.info("presence in redis answers again");
    }
  }
}
