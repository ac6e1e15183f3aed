package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Set;

/** {@code coordinator.*}: the module coordinator, its debouncing, coordination cache and batch processor. */
public final class CoordinatorOptions {
  /** Default {@code coordinator.mode}: HYBRID. */
  public static final String DEFAULT_MODE = "HYBRID";
  public static final int DEFAULT_NORMAL_DELAY_MILLIS = 300;
  public static final int DEFAULT_CRITICAL_DELAY_MILLIS = 50;
  public static final boolean DEFAULT_CRITICAL_BYPASS = false;
  public static final int DEFAULT_MAX_WAIT_MILLIS = 1000;
  public static final int DEFAULT_CACHE_TTL_MILLIS = 5000;
  public static final int DEFAULT_CACHE_MAX_ENTRIES = 1000;
  public static final int DEFAULT_BATCH_WINDOW_MILLIS = 100;
  public static final int DEFAULT_BATCH_MAX_SIZE = 50;
  private static final Set<String> MODES = Set.of("MANUAL", "HYBRID", "FULLY_AUTO");

  private String mode = DEFAULT_MODE;
  private int normalDelayMillis = DEFAULT_NORMAL_DELAY_MILLIS;
  private int criticalDelayMillis = DEFAULT_CRITICAL_DELAY_MILLIS;
  private boolean criticalBypass = DEFAULT_CRITICAL_BYPASS;
  private int maxWaitMillis = DEFAULT_MAX_WAIT_MILLIS;
  private int cacheTtlMillis = DEFAULT_CACHE_TTL_MILLIS;
  private int cacheMaxEntries = DEFAULT_CACHE_MAX_ENTRIES;
  private int batchWindowMillis = DEFAULT_BATCH_WINDOW_MILLIS;
  private int batchMaxSize = DEFAULT_BATCH_MAX_SIZE;

  public CoordinatorOptions() {}

  public CoordinatorOptions(CoordinatorOptions o) {
    this(o.toJson());
  }

  public CoordinatorOptions(JsonObject json) {
    JsonFields f = new JsonFields(json, "coordinator");
    f.rejectUnknown(Set.of("mode", "normalDelayMillis", "criticalDelayMillis", "criticalBypass",
        "maxWaitMillis", "cacheTtlMillis", "cacheMaxEntries", "batchWindowMillis", "batchMaxSize"));
    setMode(f.stringValue("mode", mode));
    setNormalDelayMillis(f.intValue("normalDelayMillis", normalDelayMillis, 0, 600_000));
    setCriticalDelayMillis(f.intValue("criticalDelayMillis", criticalDelayMillis, 0, 600_000));
    setCriticalBypass(f.boolValue("criticalBypass", criticalBypass));
    setMaxWaitMillis(f.intValue("maxWaitMillis", maxWaitMillis, 1, 3_600_000));
    setCacheTtlMillis(f.intValue("cacheTtlMillis", cacheTtlMillis, 1, 86_400_000));
    setCacheMaxEntries(f.intValue("cacheMaxEntries", cacheMaxEntries, 1, 10_000_000));
    setBatchWindowMillis(f.intValue("batchWindowMillis", batchWindowMillis, 1, 600_000));
    setBatchMaxSize(f.intValue("batchMaxSize", batchMaxSize, 1, 1_000_000));
  }

  public JsonObject toJson() {
    return new JsonObject().put("mode", mode).put("normalDelayMillis", normalDelayMillis)
        .put("criticalDelayMillis", criticalDelayMillis).put("criticalBypass", criticalBypass)
        .put("maxWaitMillis", maxWaitMillis).put("cacheTtlMillis", cacheTtlMillis)
        .put("cacheMaxEntries", cacheMaxEntries).put("batchWindowMillis", batchWindowMillis)
        .put("batchMaxSize", batchMaxSize);
  }

  /** Start mode: MANUAL, HYBRID or FULLY_AUTO. Default HYBRID. Switchable at run time. */
  public String getMode() {
    return mode;
  }

  public CoordinatorOptions setMode(String mode) {
    String m = mode == null ? "" : mode.toUpperCase(Locale.ROOT);
    if (!MODES.contains(m)) {
      throw new ConfigException("coordinator.mode", "must be MANUAL, HYBRID or FULLY_AUTO, got \"" + mode + "\"");
    }
    this.mode = m;
    return this;
  }

  /** Debounce delay of low/medium/high updates, ms (MANUAL and HYBRID). Default 300. */
  public int getNormalDelayMillis() {
    return normalDelayMillis;
  }

  public CoordinatorOptions setNormalDelayMillis(int v) {
    this.normalDelayMillis = Check.range("coordinator.normalDelayMillis", v, 0, 600_000);
    return this;
  }

  /** Debounce delay of critical updates, ms. Default 50. */
  public int getCriticalDelayMillis() {
    return criticalDelayMillis;
  }

  public CoordinatorOptions setCriticalDelayMillis(int v) {
    this.criticalDelayMillis = Check.range("coordinator.criticalDelayMillis", v, 0, 600_000);
    return this;
  }

  /** Critical updates skip debouncing and batching entirely. Default false. */
  public boolean isCriticalBypass() {
    return criticalBypass;
  }

  public CoordinatorOptions setCriticalBypass(boolean v) {
    this.criticalBypass = v;
    return this;
  }

  /** A key updated without pause still emits at least this often, ms. Default 1000. */
  public int getMaxWaitMillis() {
    return maxWaitMillis;
  }

  public CoordinatorOptions setMaxWaitMillis(int v) {
    this.maxWaitMillis = Check.range("coordinator.maxWaitMillis", v, 1, 3_600_000);
    return this;
  }

  /** Lifetime of coordinated state in the coordination cache, ms. Default 5000. */
  public int getCacheTtlMillis() {
    return cacheTtlMillis;
  }

  public CoordinatorOptions setCacheTtlMillis(int v) {
    this.cacheTtlMillis = Check.range("coordinator.cacheTtlMillis", v, 1, 86_400_000);
    return this;
  }

  /** Entries ((module, key) states) the coordination cache holds. Default 1000. */
  public int getCacheMaxEntries() {
    return cacheMaxEntries;
  }

  public CoordinatorOptions setCacheMaxEntries(int v) {
    this.cacheMaxEntries = Check.range("coordinator.cacheMaxEntries", v, 1, 10_000_000);
    return this;
  }

  /** Batch processor window in HYBRID, ms (FULLY_AUTO uses half). Default 100. */
  public int getBatchWindowMillis() {
    return batchWindowMillis;
  }

  public CoordinatorOptions setBatchWindowMillis(int v) {
    this.batchWindowMillis = Check.range("coordinator.batchWindowMillis", v, 1, 600_000);
    return this;
  }

  /** Most updates in one batch. Default 50. */
  public int getBatchMaxSize() {
    return batchMaxSize;
  }

  public CoordinatorOptions setBatchMaxSize(int v) {
    this.batchMaxSize = Check.range("coordinator.batchMaxSize", v, 1, 1_000_000);
    return this;
  }
}
