package dev.tributary.bench;

import dev.tributary.config.ConfigException;
import dev.tributary.config.TributaryOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the server config of a benchmark run: {@code java -cp tributary.jar
 * dev.tributary.bench.BenchConfig out=FILE [apiKey=K] [eventLoops=N] [ping=S] [pongTimeout=S]
 * [maxConnections=N] [conf.a.b=VALUE ...]}. Loopback only, port 0 (the OS picks a free port, the
 * server logs it), client publish allowed in namespace {@code bench}, no command rate limit. Any
 * {@code conf.<dotted key>=value} overrides one key (numbers and true/false are typed). The result
 * is validated as the server would; a bad key fails here with its name.
 */
public final class BenchConfig {
  private BenchConfig() {}

  public static void main(String[] args) {
    try {
      Params p = Params.parse(args, 0);
      String out = p.string("out", null);
      if (out == null) {
        throw new BenchException("out=FILE is required");
      }
      JsonObject conf = build(p);
      p.rejectUnknown();
      Files.writeString(Path.of(out), conf.encodePrettily(), StandardCharsets.UTF_8);
    } catch (BenchException | ConfigException e) {
      System.err.println("bench: config: " + e.getMessage());
      System.exit(2);
    } catch (IOException e) {
      System.err.println("bench: config: cannot write: " + e.getMessage());
      System.exit(2);
    }
  }

  static JsonObject build(Params p) {
    JsonObject conf = new JsonObject()
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0))
        .put("api", new JsonObject().put("key", p.string("apiKey", "bench-api-key")))
        .put("server", new JsonObject()
            .put("eventLoops", p.intValue("eventLoops", 0, 0, 1024))
            .put("shutdownTimeoutSeconds", 5))
        .put("gateway", new JsonObject()
            .put("maxConnections", p.intValue("maxConnections", 1_000_000, 1, 10_000_000))
            .put("pingIntervalSeconds", p.intValue("ping", 25, 1, 3600))
            .put("pongTimeoutSeconds", p.intValue("pongTimeout", 8, 1, 3600))
            .put("rateLimit", new JsonObject().put("commandsPerSecond", 0)))
        .put("channels", new JsonObject()
            .put("namespaces", new JsonObject().put("bench", new JsonObject().put("allowClientPublish", true))));
    for (String key : p.keysWithPrefix("conf.")) {
      String[] path = key.substring("conf.".length()).split("\\.");
      JsonObject o = conf;
      for (int i = 0; i < path.length - 1; i++) {
        JsonObject next = o.getJsonObject(path[i]);
        if (next == null) {
          next = new JsonObject();
          o.put(path[i], next);
        }
        o = next;
      }
      o.put(path[path.length - 1], typed(p.string(key, "")));
    }
    new TributaryOptions(conf); // validates: throws ConfigException naming the key
    return conf;
  }

  private static Object typed(String v) {
    if (v.equals("true") || v.equals("false")) {
      return Boolean.parseBoolean(v);
    }
    if (v.equals("null")) {
      return null;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      try {
        return Double.parseDouble(v);
      } catch (NumberFormatException e2) {
        return v;
      }
    }
  }
}
