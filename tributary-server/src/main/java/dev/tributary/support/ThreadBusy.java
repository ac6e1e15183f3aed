package dev.tributary.support;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How busy one thread is: the fraction of wall time it ran on a core ({@link Sample#cpu}) and the
 * fraction it ran <em>or waited for a core</em> ({@link Sample#busy}). A thread with work in hand
 * every moment is busy 1.0 however contended the machine is: on Linux the figures come from the
 * scheduler's own accounting ({@code /proc/thread-self/schedstat}: time on a core, time runnable
 * on a run queue), elsewhere from {@link ThreadMXBean} CPU time (then busy = cpu).
 *
 * <p>Create it on the thread it measures; {@link #sample} is called by that thread only (the
 * schedstat file is a few bytes the kernel writes from memory: no disk, no blocking).
 */
public final class ThreadBusy {
  /** The figures of one interval. */
  public record Sample(double busy, double cpu, double seconds) {
    public static final Sample NONE = new Sample(0, 0, 0);
  }

  private final Path schedstat;
  private final long threadId;
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private long lastRun;
  private long lastWait;
  private long lastWall;

  private ThreadBusy(Path schedstat, long threadId, long nowNanos) {
    this.schedstat = schedstat;
    this.threadId = threadId;
    long[] t = read();
    lastRun = t[0];
    lastWait = t[1];
    lastWall = nowNanos;
  }

  /** A measure of the calling thread from now on. */
  public static ThreadBusy ofCurrentThread(long nowNanos) {
    Path stat = null;
    try {
      Path self = Path.of("/proc/thread-self");
      if (Files.exists(self)) {
        Path p = Path.of("/proc").resolve(Files.readSymbolicLink(self)).resolve("schedstat");
        if (Files.isReadable(p)) {
          stat = p;
        }
      }
    } catch (Exception e) {
      stat = null; // not Linux, or /proc hidden: CPU time instead
    }
    return new ThreadBusy(stat, Thread.currentThread().getId(), nowNanos);
  }

  /** Whether the figures come from the scheduler (run + run-queue wait) rather than CPU time alone. */
  public boolean countsRunQueueWait() {
    return schedstat != null;
  }

  /** The figures since the previous sample (or creation). */
  public Sample sample(long nowNanos) {
    long[] t = read();
    long wall = nowNanos - lastWall;
    if (wall <= 0) {
      return Sample.NONE;
    }
    double cpu = Math.min(1.0, (double) (t[0] - lastRun) / wall);
    double busy = Math.min(1.0, (double) (t[0] - lastRun + t[1] - lastWait) / wall);
    lastRun = t[0];
    lastWait = t[1];
    lastWall = nowNanos;
    return new Sample(busy, cpu, wall / 1e9);
  }

  /** {run, wait} in nanoseconds since the thread started. */
  private long[] read() {
    if (schedstat != null) {
      try {
        String[] f = Files.readString(schedstat).trim().split(" ");
        return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
      } catch (Exception e) {
        return new long[] {lastRun, lastWait}; // unreadable this once: the interval counts as idle
      }
    }
    long cpu = threads.isThreadCpuTimeSupported() ? threads.getThreadCpuTime(threadId) : 0;
    return new long[] {Math.max(0, cpu), 0};
  }
}
