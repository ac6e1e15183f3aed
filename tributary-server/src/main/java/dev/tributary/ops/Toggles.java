package dev.tributary.ops;

import dev.tributary.coordinator.Switches;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Run-time optimisation switches (the source documents' {@code setOptimizationEnabled}): read on
 * the hot path as plain volatile flags, flipped by {@code POST /api/admin/optimizations}. A switch
 * applies to new work; what is already queued finishes the way it started (nothing in flight is
 * dropped).
 *
 * <ul>
 *   <li>{@code batching}: coordinator updates go through the batch processor (when the mode batches)</li>
 *   <li>{@code debouncing}: coordinator updates are debounced; off = each update is published at once</li>
 *   <li>{@code coordinationCache}: coordinated state is cached and served to new subscribers</li>
 *   <li>{@code compression}: gzip of HTTP API responses</li>
 * </ul>
 *
 * Thread-safe.
 */
public final class Toggles implements Switches {
  public static final String BATCHING = "batching";
  public static final String DEBOUNCING = "debouncing";
  public static final String COORDINATION_CACHE = "coordinationCache";
  public static final String COMPRESSION = "compression";

  private volatile boolean batching = true;
  private volatile boolean debouncing = true;
  private volatile boolean coordinationCache = true;
  private volatile boolean compression;
  private final Map<String, Long> changedAt = new ConcurrentHashMap<>();

  public Toggles(boolean compression) {
    this.compression = compression;
  }

  @Override
  public boolean batching() {
    return batching;
  }

  @Override
  public boolean debouncing() {
    return debouncing;
  }

  @Override
  public boolean coordinationCache() {
    return coordinationCache;
  }

  public boolean compression() {
    return compression;
  }

  /** Sets one switch; false if the name is unknown. */
  public boolean set(String name, boolean on) {
    switch (name) {
      case BATCHING -> batching = on;
      case DEBOUNCING -> debouncing = on;
      case COORDINATION_CACHE -> coordinationCache = on;
      case COMPRESSION -> compression = on;
      default -> {
        return false;
      }
    }
    changedAt.put(name, System.currentTimeMillis());
    return true;
  }

  public JsonObject toJson() {
    Map<String, Object> m = new TreeMap<>();
    m.put(BATCHING, batching);
    m.put(DEBOUNCING, debouncing);
    m.put(COORDINATION_CACHE, coordinationCache);
    m.put(COMPRESSION, compression);
    return new JsonObject(m);
  }
}
