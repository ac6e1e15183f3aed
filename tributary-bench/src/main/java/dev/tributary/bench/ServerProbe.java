package dev.tributary.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Figures of a server JVM running as another process on this machine, read from
 * {@code /proc/<pid>} and {@code jcmd}. Absent (null probe) when the server runs in-process,
 * where they would mix the client's use with the server's.
 */
public final class ServerProbe {
  private static final Pattern HEAP_USED = Pattern.compile("total \\d+K, used (\\d+)K");

  private final long pid;
  private final long clockTicksPerSecond;

  public ServerProbe(long pid, long clockTicksPerSecond) {
    this.pid = pid;
    this.clockTicksPerSecond = clockTicksPerSecond;
    if (!Files.isReadable(Path.of("/proc", Long.toString(pid), "stat"))) {
      throw new BenchException("server process " + pid + " not found (no /proc/" + pid + "/stat)");
    }
  }

  public long pid() {
    return pid;
  }

  /** User plus system CPU time of the whole process (all threads), nanoseconds. */
  public long cpuNanos() {
    String stat = read("stat");
    // Fields after the command name, which is in parentheses and may hold spaces.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime (14), stime (15)
    return ticks * 1_000_000_000L / clockTicksPerSecond;
  }

  /** Current resident set, KiB. */
  public long rssKb() {
    return statusKb("VmRSS:");
  }

  /** Peak resident set (high-water mark), KiB. */
  public long peakRssKb() {
    return statusKb("VmHWM:");
  }

  public long threads() {
    return statusKb("Threads:");
  }

  /**
   * Java heap in use after a full GC ({@code jcmd GC.run}, then {@code GC.heap_info}), KiB: the
   * live heap. Returns -1 if jcmd is not usable.
   */
  public long liveHeapKb() {
    try {
      jcmd("GC.run");
      String info = jcmd("GC.heap_info");
      long used = 0;
      boolean found = false;
      for (String line : info.split("\n")) {
        if (line.trim().startsWith("Metaspace") || line.trim().startsWith("class space")) {
          break;
        }
        Matcher m = HEAP_USED.matcher(line);
        if (m.find()) {
          used += Long.parseLong(m.group(1));
          found = true;
        }
      }
      return found ? used : -1;
    } catch (BenchException e) {
      System.err.println("bench: warning: " + e.getMessage());
      return -1;
    }
  }

  /** The garbage collector the server runs, from its heap description, or "?". */
  public String gcName() {
    try {
      String info = jcmd("GC.heap_info");
      if (info.contains("garbage-first")) {
        return "G1";
      }
      if (info.contains("def new generation")) {
        return "Serial";
      }
      if (info.contains("PSYoungGen")) {
        return "Parallel";
      }
      if (info.contains("ZHeap") || info.contains(" ZGC")) {
        return "Z";
      }
      if (info.contains("Shenandoah")) {
        return "Shenandoah";
      }
      return "?";
    } catch (BenchException e) {
      return "?";
    }
  }

  String jcmd(String command) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    List<String> cmd = new ArrayList<>();
    cmd.add(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd");
    cmd.add(Long.toString(pid));
    cmd.add(command);
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new BenchException("jcmd " + command + " timed out");
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new BenchException("jcmd " + command + " failed: " + text.strip());
      }
      return text;
    } catch (IOException e) {
      throw new BenchException("jcmd " + command + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
  }

  private long statusKb(String key) {
    for (String line : read("status").split("\n")) {
      if (line.startsWith(key)) {
        String v = line.substring(key.length()).trim();
        int sp = v.indexOf(' ');
        return Long.parseLong(sp < 0 ? v : v.substring(0, sp));
      }
    }
    return -1;
  }

  private String read(String file) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new BenchException("server process " + pid + " is gone (" + e.getMessage() + ")");
    }
  }
}
