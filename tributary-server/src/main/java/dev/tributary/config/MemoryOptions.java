package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonObject;


/** {@code memory.*}: the memory manager: inactive cleanup and heap-pressure response. */
public final class MemoryOptions {
  public static final int DEFAULT_INACTIVE_THRESHOLD_MILLIS = 30_000;
  public static final int DEFAULT_SWEEP_INTERVAL_MILLIS = 10_000;
  public static final int DEFAULT_HEAP_CHECK_INTERVAL_MILLIS = 1000;
  public static final double DEFAULT_HIGH_WATERMARK = 0.85;
  public static final double DEFAULT_LOW_WATERMARK = 0.70;
  public static final int DEFAULT_SHED_MIN_UNSENT_BYTES = 64 * 1024;
  public static final boolean DEFAULT_REQUEST_GC = true;

  static final OptionSet<MemoryOptions> OPTIONS = OptionSet.of("memory");
  private static final Option<MemoryOptions, Integer> INACTIVE_THRESHOLD_MILLIS = OPTIONS.ints("inactiveThresholdMillis",
      DEFAULT_INACTIVE_THRESHOLD_MILLIS, 1, 86_400_000, Reload.RESTART, o -> o.inactiveThresholdMillis,
      (o, v) -> o.inactiveThresholdMillis = v);
  private static final Option<MemoryOptions, Integer> SWEEP_INTERVAL_MILLIS = OPTIONS.ints("sweepIntervalMillis",
      DEFAULT_SWEEP_INTERVAL_MILLIS, 10, 3_600_000, Reload.RESTART, o -> o.sweepIntervalMillis,
      (o, v) -> o.sweepIntervalMillis = v);
  private static final Option<MemoryOptions, Integer> HEAP_CHECK_INTERVAL_MILLIS = OPTIONS.ints("heapCheckIntervalMillis",
      DEFAULT_HEAP_CHECK_INTERVAL_MILLIS, 10, 3_600_000, Reload.RESTART, o -> o.heapCheckIntervalMillis,
      (o, v) -> o.heapCheckIntervalMillis = v);
  private static final Option<MemoryOptions, Double> HIGH_WATERMARK = OPTIONS.numbers("highWatermark",
      DEFAULT_HIGH_WATERMARK, 0, true, Reload.LIVE, o -> o.highWatermark, (o, v) -> o.highWatermark = v);
  private static final Option<MemoryOptions, Double> LOW_WATERMARK = OPTIONS.numbers("lowWatermark",
      DEFAULT_LOW_WATERMARK, 0, false, Reload.LIVE, o -> o.lowWatermark, (o, v) -> o.lowWatermark = v);
  private static final Option<MemoryOptions, Integer> SHED_MIN_UNSENT_BYTES = OPTIONS.ints("shedMinUnsentBytes",
      DEFAULT_SHED_MIN_UNSENT_BYTES, 0, Integer.MAX_VALUE, Reload.RESTART, o -> o.shedMinUnsentBytes,
      (o, v) -> o.shedMinUnsentBytes = v);
  private static final Option<MemoryOptions, Boolean> REQUEST_GC = OPTIONS.bools("requestGc", DEFAULT_REQUEST_GC,
      Reload.RESTART, o -> o.requestGc, (o, v) -> o.requestGc = v);

  private int inactiveThresholdMillis;
  private int sweepIntervalMillis;
  private int heapCheckIntervalMillis;
  private double highWatermark;
  private double lowWatermark;
  private int shedMinUnsentBytes;
  private boolean requestGc;

  public MemoryOptions() {
    OPTIONS.reset(this);
  }

  public MemoryOptions(MemoryOptions o) {
    OPTIONS.copy(o, this);
  }

  public MemoryOptions(JsonObject json) {
    this();
    OPTIONS.read(this, json);
    validate();
  }

  /** Low must be below high, and both of one kind (fractions, or byte counts). */
  public MemoryOptions validate() {
    if ((highWatermark <= 1) != (lowWatermark <= 1)) {
      throw new ConfigException("memory.lowWatermark", "must be of the same kind as memory.highWatermark (both fractions <= 1, or both bytes)");
    }
    if (lowWatermark >= highWatermark) {
      throw new ConfigException("memory.lowWatermark", "must be below memory.highWatermark (" + highWatermark + "), got " + lowWatermark);
    }
    return this;
  }

  public JsonObject toJson() {
    return OPTIONS.write(this);
  }

  /** Modules without heartbeat or update for this long are unregistered, ms. Default 30,000. */
  public int getInactiveThresholdMillis() {
    return inactiveThresholdMillis;
  }

  public MemoryOptions setInactiveThresholdMillis(int v) {
    this.inactiveThresholdMillis = INACTIVE_THRESHOLD_MILLIS.check(v);
    return this;
  }

  /** Period of the inactive sweep, ms. Default 10,000. */
  public int getSweepIntervalMillis() {
    return sweepIntervalMillis;
  }

  public MemoryOptions setSweepIntervalMillis(int v) {
    this.sweepIntervalMillis = SWEEP_INTERVAL_MILLIS.check(v);
    return this;
  }

  /** Period of the heap check, ms. Default 1000. */
  public int getHeapCheckIntervalMillis() {
    return heapCheckIntervalMillis;
  }

  public MemoryOptions setHeapCheckIntervalMillis(int v) {
    this.heapCheckIntervalMillis = HEAP_CHECK_INTERVAL_MILLIS.check(v);
    return this;
  }

  /** Heap use that starts memory pressure: a fraction of max heap if <= 1, else bytes. Default 0.85. */
  public double getHighWatermark() {
    return highWatermark;
  }

  public MemoryOptions setHighWatermark(double v) {
    this.highWatermark = HIGH_WATERMARK.check(v);
    return this;
  }

  /** Heap use that ends memory pressure (hysteresis), same kind as the high mark. Default 0.70. */
  public double getLowWatermark() {
    return lowWatermark;
  }

  public MemoryOptions setLowWatermark(double v) {
    this.lowWatermark = LOW_WATERMARK.check(v);
    return this;
  }

  /** Under pressure, connections with at least this many unsent bytes are closed (3008), largest first. Default 64 KiB. */
  public int getShedMinUnsentBytes() {
    return shedMinUnsentBytes;
  }

  public MemoryOptions setShedMinUnsentBytes(int v) {
    this.shedMinUnsentBytes = SHED_MIN_UNSENT_BYTES.check(v);
    return this;
  }

  /**
   * Under pressure, ask the JVM for a collection ({@code System.gc()}, on a thread of its own) at
   * most once per {@code sweepIntervalMillis}, so that garbage no collection has reclaimed does not
   * keep pressure on after the live data is gone. Default true.
   */
  public boolean isRequestGc() {
    return requestGc;
  }

  public MemoryOptions setRequestGc(boolean v) {
    this.requestGc = REQUEST_GC.check(v);
    return this;
  }
}
