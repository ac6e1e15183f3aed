package dev.tributary.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU use of the whole machine ({@code /proc/stat}), so that a run can say how much of the box
 * other processes took while it measured: on a shared machine (builds, tests, browsers of other
 * users) that is the first thing to know about a latency figure.
 */
final class BoxCpu {
  private BoxCpu() {}

  /** Clock ticks per second of /proc/stat (USER_HZ); {@code clkTck=} of the command line. */
  static volatile long clockTicksPerSecond = 100;

  /** {busy, steal} jiffies of all CPUs together, or null where /proc/stat is not readable. */
  static long[] read() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
        if (line.startsWith("cpu ")) {
          String[] f = line.trim().split("\\s+");
          // cpu user nice system idle iowait irq softirq steal guest guest_nice
          long busy = 0;
          for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
            busy += i < f.length ? Long.parseLong(f[i]) : 0;
          }
          long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
          return new long[] {busy, steal};
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or an unexpected format: skipped
    }
    return null;
  }

  /**
   * Adds {@code boxCpuCores} (every process, interrupts and steal included), {@code stealCores},
   * and {@code otherCpuCores}: the box minus the server (and its {@code redisCpuCores}, when given) and this client, i.e. other processes plus
   * kernel work charged to nobody (loopback softirq). Call after the server and client figures.
   */
  static void put(Result r, long[] b0, long[] b1, long wallNanos) {
    if (b0 == null || b1 == null || wallNanos <= 0) {
      r.put("boxCpuCores", null);
      r.put("otherCpuCores", null);
      return;
    }
    double seconds = wallNanos / 1e9;
    double box = (b1[0] - b0[0]) / (double) clockTicksPerSecond / seconds;
    double steal = (b1[1] - b0[1]) / (double) clockTicksPerSecond / seconds;
    r.put("boxCpuCores", box);
    r.put("stealCores", steal);
    Object server = r.get("serverCpuCores") != null ? r.get("serverCpuCores") : r.get("serverCpuCoresIdle");
    Object client = r.get("clientCpuCores");
    if (server instanceof Number s && client instanceof Number c) {
      double other = box - s.doubleValue() - c.doubleValue();
      // The system under test's other processes (crossnode: redis-server) are not "others".
      if (r.get("redisCpuCores") instanceof Number redis) {
        other -= redis.doubleValue();
      }
      r.put("otherCpuCores", other);
      if (other > 0.15) {
        r.note(String.format("other processes (and uncharged kernel work) used %.2f of %d cores during the window:"
            + " the figures are disturbed", other, Runtime.getRuntime().availableProcessors()));
      }
    } else {
      r.put("otherCpuCores", null);
    }
  }
}
