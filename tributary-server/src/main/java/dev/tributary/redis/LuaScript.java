package dev.tributary.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * A Lua script and its SHA-1 (computed here, so no round trip to learn it), run by EVALSHA with a
 * fallback to EVAL when Redis does not have it (restarted, or SCRIPT FLUSH).
 */
public record LuaScript(String text, String sha) {

  public LuaScript(String text) {
    this(text, sha1(text));
  }

  /** {@code EVALSHA sha numkeys keys…}; the arguments follow with {@link Request#arg}. */
  public Request evalsha(String... keys) {
    return withKeys(Request.cmd(Command.EVALSHA).arg(sha), keys);
  }

  /** {@code EVAL text numkeys keys…}: also loads the script into Redis's cache. */
  public Request eval(String... keys) {
    return withKeys(Request.cmd(Command.EVAL).arg(text), keys);
  }

  /**
   * Runs the script through {@code link}'s pool: EVALSHA, then on NOSCRIPT once more by EVAL.
   * {@code args} adds the arguments after the keys (it is applied to each request sent).
   */
  public Future<Response> run(RedisLink link, Consumer<Request> args, String... keys) {
    Request req = evalsha(keys);
    args.accept(req);
    return link.send(req).recover(err -> {
      if (!isNoScript(err)) {
        return Future.failedFuture(err);
      }
      Request again = eval(keys);
      args.accept(again);
      return link.send(again);
    });
  }

  /** Whether {@code t} (or a cause) is Redis's NOSCRIPT error. */
  public static boolean isNoScript(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (String.valueOf(c.getMessage()).startsWith("NOSCRIPT")) {
        return true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }

  private static Request withKeys(Request r, String[] keys) {
    r.arg(keys.length);
    for (String k : keys) {
      r.arg(k);
    }
    return r;
  }

  private static String sha1(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
