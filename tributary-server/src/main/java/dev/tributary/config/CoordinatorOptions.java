package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonObject;
import java.util.List;

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
  static final OptionSet<CoordinatorOptions> OPTIONS = OptionSet.of("coordinator");
  private static final Option<CoordinatorOptions, String> MODE = OPTIONS.choice("mode", DEFAULT_MODE,
      List.of("MANUAL", "HYBRID", "FULLY_AUTO"), Option.upper(), false, Reload.LIVE, o -> o.mode, (o, v) -> o.mode = v);
  private static final Option<CoordinatorOptions, Integer> NORMAL_DELAY_MILLIS = OPTIONS.ints("normalDelayMillis", DEFAULT_NORMAL_DELAY_MILLIS,
      0, 600_000, Reload.LIVE, o -> o.normalDelayMillis, (o, v) -> o.normalDelayMillis = v);
  private static final Option<CoordinatorOptions, Integer> CRITICAL_DELAY_MILLIS = OPTIONS.ints("criticalDelayMillis", DEFAULT_CRITICAL_DELAY_MILLIS,
      0, 600_000, Reload.LIVE, o -> o.criticalDelayMillis, (o, v) -> o.criticalDelayMillis = v);
  private static final Option<CoordinatorOptions, Boolean> CRITICAL_BYPASS = OPTIONS.bools("criticalBypass",
      DEFAULT_CRITICAL_BYPASS, Reload.LIVE, o -> o.criticalBypass, (o, v) -> o.criticalBypass = v);
  private static final Option<CoordinatorOptions, Integer> MAX_WAIT_MILLIS = OPTIONS.ints("maxWaitMillis", DEFAULT_MAX_WAIT_MILLIS,
      1, 3_600_000, Reload.LIVE, o -> o.maxWaitMillis, (o, v) -> o.maxWaitMillis = v);
  private static final Option<CoordinatorOptions, Integer> CACHE_TTL_MILLIS = OPTIONS.ints("cacheTtlMillis", DEFAULT_CACHE_TTL_MILLIS,
      1, 86_400_000, Reload.LIVE, o -> o.cacheTtlMillis, (o, v) -> o.cacheTtlMillis = v);
  private static final Option<CoordinatorOptions, Integer> CACHE_MAX_ENTRIES = OPTIONS.ints("cacheMaxEntries", DEFAULT_CACHE_MAX_ENTRIES,
      1, 10_000_000, Reload.RESTART, o -> o.cacheMaxEntries, (o, v) -> o.cacheMaxEntries = v);
  private static final Option<CoordinatorOptions, Integer> BATCH_WINDOW_MILLIS = OPTIONS.ints("batchWindowMillis", DEFAULT_BATCH_WINDOW_MILLIS,
      1, 600_000, Reload.LIVE, o -> o.batchWindowMillis, (o, v) -> o.batchWindowMillis = v);
  private static final Option<CoordinatorOptions, Integer> BATCH_MAX_SIZE = OPTIONS.ints("batchMaxSize", DEFAULT_BATCH_MAX_SIZE,
      1, 1_000_000, Reload.LIVE, o -> o.batchMaxSize, (o, v) -> o.batchMaxSize = v);

  private String mode;
  private int normalDelayMillis;
  private int criticalDelayMillis;
  private boolean criticalBypass;
  private int maxWaitMillis;
  private int cacheTtlMillis;
  private int cacheMaxEntries;
  private int batchWindowMillis;
  private int batchMaxSize;

  public CoordinatorOptions() {
    OPTIONS.reset(this);
  }

  public CoordinatorOptions(CoordinatorOptions o) {
    OPTIONS.copy(o, this);
  }

  public CoordinatorOptions(JsonObject json) {
    this();
    OPTIONS.read(this, json);
  }

  public JsonObject toJson() {
    return OPTIONS.write(this);
  }

  /** Start mode: MANUAL, HYBRID or FULLY_AUTO. Default HYBRID. Switchable at run time. */
  public String getMode() {
    return mode;
  }

  public CoordinatorOptions setMode(String mode) {
    this.mode = MODE.check(mode);
    return this;
  }

  /** Debounce delay of low/medium/high updates, ms (MANUAL and HYBRID). Default 300. */
  public int getNormalDelayMillis() {
    return normalDelayMillis;
  }

  public CoordinatorOptions setNormalDelayMillis(int v) {
    this.normalDelayMillis = NORMAL_DELAY_MILLIS.check(v);
    return this;
  }

  /** Debounce delay of critical updates, ms. Default 50. */
  public int getCriticalDelayMillis() {
    return criticalDelayMillis;
  }

  public CoordinatorOptions setCriticalDelayMillis(int v) {
    this.criticalDelayMillis = CRITICAL_DELAY_MILLIS.check(v);
    return this;
  }

  /** Critical updates skip debouncing and batching entirely. Default false. */
  public boolean isCriticalBypass() {
    return criticalBypass;
  }

  public CoordinatorOptions setCriticalBypass(boolean v) {
    this.criticalBypass = CRITICAL_BYPASS.check(v);
    return this;
  }

  /** A key updated without pause still emits at least this often, ms. Default 1000. */
  public int getMaxWaitMillis() {
    return maxWaitMillis;
  }

  public CoordinatorOptions setMaxWaitMillis(int v) {
    this.maxWaitMillis = MAX_WAIT_MILLIS.check(v);
    return this;
  }

  /** Lifetime of coordinated state in the coordination cache, ms. Default 5000. */
  public int getCacheTtlMillis() {
    return cacheTtlMillis;
  }

  public CoordinatorOptions setCacheTtlMillis(int v) {
    this.cacheTtlMillis = CACHE_TTL_MILLIS.check(v);
    return this;
  }

  /** Entries ((module, key) states) the coordination cache holds. Default 1000. */
  public int getCacheMaxEntries() {
    return cacheMaxEntries;
  }

  public CoordinatorOptions setCacheMaxEntries(int v) {
    this.cacheMaxEntries = CACHE_MAX_ENTRIES.check(v);
    return this;
  }

  /** Batch processor window in HYBRID, ms (FULLY_AUTO uses half). Default 100. */
  public int getBatchWindowMillis() {
    return batchWindowMillis;
  }

  public CoordinatorOptions setBatchWindowMillis(int v) {
    this.batchWindowMillis = BATCH_WINDOW_MILLIS.check(v);
    return this;
  }

  /** Most updates in one batch. Default 50. */
  public int getBatchMaxSize() {
    return batchMaxSize;
  }

  public CoordinatorOptions setBatchMaxSize(int v) {
    this.batchMaxSize = BATCH_MAX_SIZE.check(v);
    return this;
  }
}
