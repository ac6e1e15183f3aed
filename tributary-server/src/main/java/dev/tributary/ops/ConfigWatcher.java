package dev.tributary.ops;

import dev.tributary.bus.Addresses;
import dev.tributary.config.ConfigException;
import dev.tributary.config.TributaryOptions;
import dev.tributary.gateway.Gateway;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code config.watch}: vertx-config scans the config file; each change is validated as a whole
 * (a bad edit is rejected with one log line and the running config stays), then the keys that can
 * change live are applied and the others are reported as needing a restart.
 *
 * <p>Live: {@code api.key}, {@code metrics.token}, {@code dashboard.token}, {@code channels.*}
 * except {@link #CHANNELS_READ_AT_START} (the presence refresh, the in-memory history's bounds,
 * the Redis history's meta TTL and the position check are set up at start),
 * {@code gateway.maxConnections}, {@code gateway.maxQueueBytes}, {@code gateway.maxChannelsPerConnection},
 * {@code gateway.maxChannelLength}, {@code gateway.closeTimeoutMillis}, {@code gateway.handshakeTimeoutMillis}, {@code gateway.batch.*}, {@code gateway.rateLimit.*} (new
 * connections), {@code coordinator.*} except {@code cacheMaxEntries}, {@code memory.highWatermark}
 * and {@code memory.lowWatermark}. Everything else needs a restart.
 */
public final class ConfigWatcher {
  private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);
  private static final Set<String> LIVE_PREFIXES = Set.of("api.key", "metrics.token", "dashboard.token", "channels.",
      "gateway.maxConnections", "gateway.maxQueueBytes", "gateway.maxChannelsPerConnection", "gateway.maxChannelLength",
      "gateway.closeTimeoutMillis", "gateway.handshakeTimeoutMillis", "gateway.batch.", "gateway.rateLimit.", "coordinator.", "memory.highWatermark", "memory.lowWatermark");

  /** {@code channels.*} keys read once at start (the stores and timers they size are made then). */
  static final List<String> CHANNELS_READ_AT_START = List.of("channels.presenceTtlSeconds",
      "channels.historyMaxChannels", "channels.historyMaxBytes", "channels.historyMetaTtlSeconds",
      "channels.positionCheckSeconds");

  private final Vertx vertx;
  private final Gateway gateway;
  private final Ops ops;
  private final ConfigRetriever retriever;

  private ConfigWatcher(Vertx vertx, Gateway gateway, Ops ops, Path file, int scanMillis) {
    this.vertx = vertx;
    this.gateway = gateway;
    this.ops = ops;
    this.retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
        .setScanPeriod(scanMillis)
        .addStore(new ConfigStoreOptions().setType("file").setFormat("json")
            .setConfig(new JsonObject().put("path", file.toAbsolutePath().toString()))));
  }

  /** Starts watching {@code file}. */
  public static ConfigWatcher start(Vertx vertx, Gateway gateway, Ops ops, Path file, int scanMillis) {
    ConfigWatcher w = new ConfigWatcher(vertx, gateway, ops, file, scanMillis);
    w.retriever.configStream().exceptionHandler(err -> w.reject("config reload rejected: " + file + ": "
        + firstLine(err.getMessage()) + "; the running config stays"));
    w.retriever.listen(change -> w.apply(change.getNewConfiguration()));
    log.info("watching {} for config changes every {} ms", file, scanMillis);
    return w;
  }

  public void close() {
    retriever.close();
  }

  private static String firstLine(String s) {
    return s == null ? "unreadable" : s.lines().findFirst().orElse(s);
  }

  private void reject(String line) {
    log.error(line);
    ops.lastReload("rejected: " + line);
  }

  void apply(JsonObject json) {
    TributaryOptions next;
    try {
      next = new TributaryOptions(json);
    } catch (ConfigException e) {
      reject("config reload rejected: " + e.getMessage() + "; the running config stays");
      return;
    } catch (RuntimeException e) {
      reject("config reload rejected: " + firstLine(e.getMessage()) + "; the running config stays");
      return;
    }
    TributaryOptions current = gateway.options();
    // The HTTP port override from the environment applies to reloads too.
    next.getHttp().setPort(current.getHttp().getPort());
    Map<String, Object> before = flat(current.toJson());
    Map<String, Object> after = flat(next.toJson());
    Set<String> changed = new TreeSet<>();
    Set<String> keys = new TreeSet<>(before.keySet());
    keys.addAll(after.keySet());
    for (String k : keys) {
      if (!Objects.equals(before.get(k), after.get(k))) {
        changed.add(k);
      }
    }
    if (changed.isEmpty()) {
      return;
    }
    List<String> live = new ArrayList<>();
    List<String> restart = new ArrayList<>();
    for (String k : changed) {
      (isLive(k) ? live : restart).add(k);
    }
    // Keep the restart-only values as they run now, so what is reported as running is true.
    TributaryOptions applied = merge(current, next);
    gateway.update(applied);
    if (live.stream().anyMatch(k -> k.startsWith("coordinator."))) {
      vertx.eventBus().request(Addresses.COORDINATOR_CONFIGURE, applied.getCoordinator().toJson());
    }
    if (live.stream().anyMatch(k -> k.startsWith("memory."))) {
      vertx.eventBus().request(Addresses.MEMORY_CONFIGURE, new JsonObject()
          .put("highWatermark", applied.getMemory().getHighWatermark())
          .put("lowWatermark", applied.getMemory().getLowWatermark()));
    }
    String outcome = "applied " + live + (restart.isEmpty() ? "" : "; needs a restart: " + restart);
    log.info("config reload: {}", outcome);
    if (!restart.isEmpty()) {
      log.warn("config reload: these changes take effect after a restart: {}", restart);
    }
    ops.lastReload(outcome);
  }

  static boolean isLive(String key) {
    for (String p : LIVE_PREFIXES) {
      if (p.endsWith(".") ? key.startsWith(p) : key.equals(p)) {
        return !key.equals("coordinator.cacheMaxEntries") && !CHANNELS_READ_AT_START.contains(key);
      }
    }
    return false;
  }

  /** {@code next}'s live sections over {@code current}'s restart-only ones. */
  private static TributaryOptions merge(TributaryOptions current, TributaryOptions next) {
    JsonObject j = current.toJson();
    JsonObject n = next.toJson();
    j.getJsonObject("api").put("key", n.getJsonObject("api").getValue("key"));
    j.getJsonObject("metrics").put("token", n.getJsonObject("metrics").getValue("token"));
    j.getJsonObject("dashboard").put("token", n.getJsonObject("dashboard").getValue("token"));
    JsonObject ch = n.getJsonObject("channels").copy();
    for (String k : CHANNELS_READ_AT_START) {
      String field = k.substring("channels.".length());
      ch.put(field, j.getJsonObject("channels").getValue(field));
    }
    j.put("channels", ch);
    JsonObject g = j.getJsonObject("gateway");
    JsonObject ng = n.getJsonObject("gateway");
    for (String k : List.of("maxConnections", "maxQueueBytes", "maxChannelsPerConnection", "maxChannelLength",
        "closeTimeoutMillis", "handshakeTimeoutMillis", "batch", "rateLimit")) {
      g.put(k, ng.getValue(k));
    }
    JsonObject c = n.getJsonObject("coordinator").copy();
    c.put("cacheMaxEntries", j.getJsonObject("coordinator").getValue("cacheMaxEntries"));
    j.put("coordinator", c);
    j.getJsonObject("memory").put("highWatermark", n.getJsonObject("memory").getValue("highWatermark"))
        .put("lowWatermark", n.getJsonObject("memory").getValue("lowWatermark"));
    return new TributaryOptions(j);
  }

  private static Map<String, Object> flat(JsonObject o) {
    Map<String, Object> out = new TreeMap<>();
    OpsApi.flatten("", o, out);
    return out;
  }
}
