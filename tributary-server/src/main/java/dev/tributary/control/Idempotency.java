package dev.tributary.control;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tributary.redis.LuaScript;
import dev.tributary.redis.RedisLink;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.time.Duration;
import java.util.concurrent.ConcurrentMap;

/**
 * The {@code idempotency_key} of server API publications: the first publication with a key (per
 * channel) claims it, publishes, and stores its result for {@code api.idempotencyWindowSeconds};
 * a retry within the window gets that result instead of publishing again. A retry arriving while
 * the first is still being published is told so ({@link Claim#inProgress()}: the API answers 503,
 * retry). A publication that fails releases its key, so a retry publishes.
 *
 * <p>With Redis the keys live there ({@code tributary.idempotency.{channel}.key}, one atomic
 * script to claim), shared by every node; a claim not completed (its node died mid-publish) expires
 * after {@link #PENDING_MILLIS}. Without Redis they live in this node's memory, bounded by
 * {@code api.idempotencyMaxKeys}. Thread-safe.
 */
public abstract class Idempotency {
  /** How long an unfinished claim blocks retries at most (a node that died while publishing). */
  public static final long PENDING_MILLIS = 10_000;
  static final String KEY_PREFIX = "tributary.idempotency.{";

  /**
   * The outcome of a claim: {@code resultJson} is the first publication's result (a retry), null
   * when this caller owns the key now (publish, then {@link #complete} or {@link #release}), unless
   * {@code inProgress} (the first is still publishing).
   */
  public record Claim(String resultJson, boolean inProgress) {
    static final Claim OWNED = new Claim(null, false);
    static final Claim IN_PROGRESS = new Claim(null, true);

    public boolean owned() {
      return resultJson == null && !inProgress;
    }
  }

  public abstract Future<Claim> claim(String channel, String key);

  /** Stores the result of the claimed publication for the window. */
  public abstract Future<Void> complete(String channel, String key, String resultJson);

  /** The claimed publication failed: a retry may publish. */
  public abstract void release(String channel, String key);

  static String key(String channel, String key) {
    return KEY_PREFIX + channel + "}." + key;
  }

  /** Keys in this node's memory (one node). */
  public static Idempotency local(int windowSeconds, int maxKeys) {
    ConcurrentMap<String, String> keys = Caffeine.newBuilder().expireAfterWrite(Duration.ofSeconds(windowSeconds))
        .maximumSize(maxKeys).executor(Runnable::run).<String, String>build().asMap();
    return new Idempotency() {
      @Override
      public Future<Claim> claim(String channel, String key) {
        String had = keys.putIfAbsent(key(channel, key), "");
        return Future.succeededFuture(had == null ? Claim.OWNED : had.isEmpty() ? Claim.IN_PROGRESS : new Claim(had, false));
      }

      @Override
      public Future<Void> complete(String channel, String key, String resultJson) {
        keys.put(key(channel, key), resultJson);
        return Future.succeededFuture();
      }

      @Override
      public void release(String channel, String key) {
        keys.remove(key(channel, key), "");
      }
    };
  }

  /** Claims the key (empty value, expiring after ARGV[1] ms) or returns what it holds. */
  private static final LuaScript CLAIM = new LuaScript("""
      if redis.call('set', KEYS[1], '', 'NX', 'PX', ARGV[1]) then
        return false
      end
      return redis.call('get', KEYS[1])
      """);

  /** Keys in Redis, shared by every node. */
  public static Idempotency redis(RedisLink link, int windowSeconds) {
    long windowMillis = windowSeconds * 1000L;
    return new Idempotency() {
      @Override
      public Future<Claim> claim(String channel, String key) {
        return CLAIM.run(link, r -> r.arg(Math.min(PENDING_MILLIS, windowMillis)), key(channel, key)).map(res -> {
          if (res == null) {
            return Claim.OWNED;
          }
          String had = res.toString();
          return had.isEmpty() ? Claim.IN_PROGRESS : new Claim(had, false);
        });
      }

      @Override
      public Future<Void> complete(String channel, String key, String resultJson) {
        return link.send(Request.cmd(Command.SET).arg(key(channel, key)).arg(resultJson).arg("PX").arg(windowMillis))
            .mapEmpty();
      }

      @Override
      public void release(String channel, String key) {
        link.send(Request.cmd(Command.DEL).arg(key(channel, key)));
      }
    };
  }
}
