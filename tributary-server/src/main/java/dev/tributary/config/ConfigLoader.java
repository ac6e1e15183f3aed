package dev.tributary.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Finds and reads the config file: {@code --conf FILE}, else env {@code TRIBUTARY_CONF}, else
 * {@code conf/tributary.json} if present, else the embedded defaults. Env
 * {@code TRIBUTARY_HTTP_PORT} then overrides {@code http.port}. Runs once at start-up, before any
 * event loop exists, so the blocking file read is fine here.
 */
public final class ConfigLoader {
  public static final String DEFAULT_PATH = "conf/tributary.json";

  private ConfigLoader() {}

  /** The config file this invocation names, or null for the embedded defaults. */
  public static Path locate(String[] args, Map<String, String> env) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--conf")) {
        if (i + 1 >= args.length) {
          throw new ConfigException("--conf", "needs a file name");
        }
        return Path.of(args[i + 1]);
      }
      if (args[i].startsWith("--conf=")) {
        return Path.of(args[i].substring("--conf=".length()));
      }
    }
    String fromEnv = env.get("TRIBUTARY_CONF");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv);
    }
    Path dflt = Path.of(DEFAULT_PATH);
    return Files.isRegularFile(dflt) ? dflt : null;
  }

  public static TributaryOptions load(String[] args, Map<String, String> env) {
    Path path = locate(args, env);
    JsonObject json = path == null ? new JsonObject() : read(path);
    TributaryOptions options = new TributaryOptions(json);
    String port = env.get("TRIBUTARY_HTTP_PORT");
    if (port != null && !port.isBlank()) {
      try {
        options.getHttp().setPort(Integer.parseInt(port.trim()));
      } catch (NumberFormatException e) {
        throw new ConfigException("TRIBUTARY_HTTP_PORT", "must be an integer, got \"" + port + "\"");
      }
    }
    String redisUrl = env.get("TRIBUTARY_REDIS_URL");
    if (redisUrl != null && !redisUrl.isBlank()) {
      if (!redisUrl.startsWith("redis")) {
        throw new ConfigException("TRIBUTARY_REDIS_URL", "must be a redis:// URL, got \"" + redisUrl + "\"");
      }
      options.getRedis().setUrls(java.util.List.of(redisUrl.trim()));
    }
    return options;
  }

  public static JsonObject read(Path path) {
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(path.toString(), "file not found");
    } catch (IOException e) {
      throw new ConfigException(path.toString(), "cannot read: " + e.getMessage());
    }
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      String msg = e.getMessage() == null ? "invalid JSON" : e.getMessage().lines().findFirst().orElse("invalid JSON");
      throw new ConfigException(path.toString(), "not a JSON object: " + msg);
    }
  }
}
