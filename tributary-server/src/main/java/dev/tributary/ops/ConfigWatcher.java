package dev.tributary.ops;

import dev.tributary.bus.Addresses;
import dev.tributary.config.ConfigException;
import dev.tributary.config.Option.Reload;
import dev.tributary.config.OptionRegistry;
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
 * (a bad edit is rejected with one log line and the running config stays), then the changed keys
 * whose {@link dev.tributary.config.Option option} says {@link Reload#isLive() live} are applied
 * and the others are reported as needing a restart, keeping their running values. Which keys are
 * live is stated once, by each option's descriptor (docs/CONFIGURATION.md shows it per key).
 */
public final class ConfigWatcher {
  private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

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
      (OptionRegistry.reload(k).isLive() ? live : restart).add(k);
    }
    // Keep the restart-only values as they run now, so what is reported as running is true.
    TributaryOptions applied;
    try {
      applied = keep(current, next, restart);
    } catch (ConfigException e) {
      reject("config reload rejected: " + e.getMessage() + " (with the restart-only keys at their running values)"
          + "; the running config stays");
      return;
    }
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

  /** {@code next} with each of the {@code restart} keys (dotted paths) at its value in {@code current}. */
  private static TributaryOptions keep(TributaryOptions current, TributaryOptions next, List<String> restart) {
    JsonObject running = current.toJson();
    JsonObject merged = next.toJson();
    for (String key : restart) {
      String[] path = key.split("\\.");
      JsonObject from = running;
      JsonObject to = merged;
      for (int i = 0; i < path.length - 1 && from != null; i++) {
        from = from.getJsonObject(path[i]);
        to = to.getJsonObject(path[i]);
      }
      String field = path[path.length - 1];
      if (from != null && from.containsKey(field)) {
        to.put(field, from.getValue(field));
      } else if (to != null) {
        to.remove(field);
      }
    }
    return new TributaryOptions(merged);
  }

  private static Map<String, Object> flat(JsonObject o) {
    Map<String, Object> out = new TreeMap<>();
    OpsApi.flatten("", o, out);
    return out;
  }
}
