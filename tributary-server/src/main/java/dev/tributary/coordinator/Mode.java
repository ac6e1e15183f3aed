package dev.tributary.coordinator;

import dev.tributary.config.CoordinatorOptions;

/**
 * Coordination strategies of the source document, switchable at run time:
 *
 * <table>
 *   <tr><th>mode</th><th>coordination cache</th><th>debounce (normal / critical)</th><th>batching</th></tr>
 *   <tr><td>MANUAL</td><td>on</td><td>normalDelay / criticalDelay (300 / 50 ms)</td><td>off: published at once</td></tr>
 *   <tr><td>HYBRID</td><td>on</td><td>normalDelay / criticalDelay (300 / 50 ms)</td><td>window batchWindow (100 ms)</td></tr>
 *   <tr><td>FULLY_AUTO</td><td>off</td><td>minimal: criticalDelay for all (50 ms)</td><td>aggressive: half the window (50 ms)</td></tr>
 * </table>
 */
public enum Mode {
  MANUAL(true, false),
  HYBRID(true, true),
  FULLY_AUTO(false, true);

  private final boolean cache;
  private final boolean batching;

  Mode(boolean cache, boolean batching) {
    this.cache = cache;
    this.batching = batching;
  }

  public boolean cacheEnabled() {
    return cache;
  }

  public boolean batchingEnabled() {
    return batching;
  }

  public long normalDelayMillis(CoordinatorOptions o) {
    return this == FULLY_AUTO ? o.getCriticalDelayMillis() : o.getNormalDelayMillis();
  }

  public long criticalDelayMillis(CoordinatorOptions o) {
    return o.getCriticalDelayMillis();
  }

  public long batchWindowMillis(CoordinatorOptions o) {
    return this == FULLY_AUTO ? Math.max(1, o.getBatchWindowMillis() / 2) : o.getBatchWindowMillis();
  }

  /** Parses a mode name, case-insensitively; null if unknown. */
  public static Mode parse(String name) {
    if (name == null) {
      return null;
    }
    for (Mode m : values()) {
      if (m.name().equalsIgnoreCase(name.trim())) {
        return m;
      }
    }
    return null;
  }
}
