package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/** {@code memory.*}: the memory manager: inactive cleanup and heap-pressure response. */
public final class MemoryOptions {
  public static final int DEFAULT_INACTIVE_THRESHOLD_MILLIS = 30_000;
  public static final int DEFAULT_SWEEP_INTERVAL_MILLIS = 10_000;
  public static final int DEFAULT_HEAP_CHECK_INTERVAL_MILLIS = 1000;
  public static final double DEFAULT_HIGH_WATERMARK = 0.85;
  public static final double DEFAULT_LOW_WATERMARK = 0.70;
  public static final int DEFAULT_SHED_MIN_UNSENT_BYTES = 64 * 1024;
  public static final boolean DEFAULT_REQUEST_GC = true;

  private int inactiveThresholdMillis = DEFAULT_INACTIVE_THRESHOLD_MILLIS;
  private int sweepIntervalMillis = DEFAULT_SWEEP_INTERVAL_MILLIS;
  private int heapCheckIntervalMillis = DEFAULT_HEAP_CHECK_INTERVAL_MILLIS;
  private double highWatermark = DEFAULT_HIGH_WATERMARK;
  private double lowWatermark = DEFAULT_LOW_WATERMARK;
  private int shedMinUnsentBytes = DEFAULT_SHED_MIN_UNSENT_BYTES;
  private boolean requestGc = DEFAULT_REQUEST_GC;

  public MemoryOptions() {}

  public MemoryOptions(MemoryOptions o) {
    this(o.toJson());
  }

  public MemoryOptions(JsonObject json) {
    JsonFields f = new JsonFields(json, "memory");
    f.rejectUnknown(Set.of("inactiveThresholdMillis", "sweepIntervalMillis", "heapCheckIntervalMillis",
        "highWatermark", "lowWatermark", "shedMinUnsentBytes", "requestGc"));
    setInactiveThresholdMillis(f.intValue("inactiveThresholdMillis", inactiveThresholdMillis, 1, 86_400_000));
    setSweepIntervalMillis(f.intValue("sweepIntervalMillis", sweepIntervalMillis, 10, 3_600_000));
    setHeapCheckIntervalMillis(f.intValue("heapCheckIntervalMillis", heapCheckIntervalMillis, 10, 3_600_000));
    setHighWatermark(f.doubleValue("highWatermark", highWatermark, 0, Long.MAX_VALUE));
    setLowWatermark(f.doubleValue("lowWatermark", lowWatermark, 0, Long.MAX_VALUE));
    setShedMinUnsentBytes(f.intValue("shedMinUnsentBytes", shedMinUnsentBytes, 0, Integer.MAX_VALUE));
    setRequestGc(f.boolValue("requestGc", requestGc));
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
    return new JsonObject().put("inactiveThresholdMillis", inactiveThresholdMillis)
        .put("sweepIntervalMillis", sweepIntervalMillis).put("heapCheckIntervalMillis", heapCheckIntervalMillis)
        .put("highWatermark", highWatermark).put("lowWatermark", lowWatermark)
        .put("shedMinUnsentBytes", shedMinUnsentBytes).put("requestGc", requestGc);
  }

  /** Modules without heartbeat or update for this long are unregistered, ms. Default 30,000. */
  public int getInactiveThresholdMillis() {
    return inactiveThresholdMillis;
  }

  public MemoryOptions setInactiveThresholdMillis(int v) {
    this.inactiveThresholdMillis = Check.range("memory.inactiveThresholdMillis", v, 1, 86_400_000);
    return this;
  }

  /** Period of the inactive sweep, ms. Default 10,000. */
  public int getSweepIntervalMillis() {
    return sweepIntervalMillis;
  }

  public MemoryOptions setSweepIntervalMillis(int v) {
    this.sweepIntervalMillis = Check.range("memory.sweepIntervalMillis", v, 10, 3_600_000);
    return this;
  }

  /** Period of the heap check, ms. Default 1000. */
  public int getHeapCheckIntervalMillis() {
    return heapCheckIntervalMillis;
  }

  public MemoryOptions setHeapCheckIntervalMillis(int v) {
    this.heapCheckIntervalMillis = Check.range("memory.heapCheckIntervalMillis", v, 10, 3_600_000);
    return this;
  }

  /** Heap use that starts memory pressure: a fraction of max heap if <= 1, else bytes. Default 0.85. */
  public double getHighWatermark() {
    return highWatermark;
  }

  public MemoryOptions setHighWatermark(double v) {
    if (!(v > 0)) {
      throw new ConfigException("memory.highWatermark", "must be > 0, got " + v);
    }
    this.highWatermark = v;
    return this;
  }

  /** Heap use that ends memory pressure (hysteresis), same kind as the high mark. Default 0.70. */
  public double getLowWatermark() {
    return lowWatermark;
  }

  public MemoryOptions setLowWatermark(double v) {
    if (!(v >= 0)) {
      throw new ConfigException("memory.lowWatermark", "must be >= 0, got " + v);
    }
    this.lowWatermark = v;
    return this;
  }

  /** Under pressure, connections with at least this many unsent bytes are closed (3008), largest first. Default 64 KiB. */
  public int getShedMinUnsentBytes() {
    return shedMinUnsentBytes;
  }

  public MemoryOptions setShedMinUnsentBytes(int v) {
    this.shedMinUnsentBytes = Check.range("memory.shedMinUnsentBytes", v, 0, Integer.MAX_VALUE);
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
    this.requestGc = v;
    return this;
  }
}
