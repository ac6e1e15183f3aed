package dev.tributary.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises a JFR recording's CPU samples: {@code java -cp tributary.jar
 * dev.tributary.bench.JfrTop FILE [top=25]}. Prints the hottest methods by self samples (top
 * frame) and by total samples (anywhere on the stack), for Java execution samples and, separately,
 * for threads sampled in native code (system calls such as socket writes).
 *
 * <p>{@code callers=SUBSTRING}: also prints, for the samples with a frame whose name contains
 * SUBSTRING, the most frequent chains of its {@code depth} (6) callers, e.g. {@code
 * callers=Arrays.copyOf} to see who copies arrays; {@code chains=on} prints the most frequent top
 * {@code depth} frames of all samples.
 */
public final class JfrTop {
  private JfrTop() {}

  /** Top frames of a thread that waits (not CPU time). */
  private static final Set<String> IDLE = Set.of(
      "io.netty.channel.epoll.Native.epollWait0", "io.netty.channel.epoll.Native.epollBusyWait0",
      "sun.nio.ch.EPoll.wait", "jdk.internal.misc.Unsafe.park", "java.lang.Thread.sleep",
      "java.lang.Object.wait", "sun.nio.ch.Net.accept", "io.netty.channel.unix.Socket.accept");

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: JfrTop FILE.jfr [top=25] [thread=SUBSTRING] [callers=SUBSTRING] [chains=on] [depth=6]");
      System.exit(2);
    }
    Params p = Params.parse(args, 1);
    int top = p.intValue("top", 25, 1, 1000);
    String thread = p.string("thread", null);
    String callers = p.string("callers", null);
    boolean chains = p.bool("chains", false);
    int depth = p.intValue("depth", 6, 1, 100);
    p.rejectUnknown();
    Map<String, Map<String, Long>> chainCounts = new HashMap<>();
    Map<String, Map<String, long[]>> byEvent = new HashMap<>();
    Map<String, Long> totals = new HashMap<>();
    Map<String, Long> threads = new HashMap<>();
    try (RecordingFile f = new RecordingFile(Path.of(args[0]))) {
      while (f.hasMoreEvents()) {
        RecordedEvent e = f.readEvent();
        String type = e.getEventType().getName();
        if (!type.equals("jdk.ExecutionSample") && !type.equals("jdk.NativeMethodSample")) {
          continue;
        }
        String tn = e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName();
        if (thread != null && (tn == null || !tn.contains(thread))) {
          continue;
        }
        threads.merge(type + " " + tn, 1L, Long::sum);
        RecordedStackTrace st = e.getStackTrace();
        if (st == null || st.getFrames().isEmpty()) {
          continue;
        }
        String topName = name(st.getFrames().get(0).getMethod());
        if (IDLE.contains(topName)) {
          // Waiting for I/O or work: not CPU.
          totals.merge(type + " idle", 1L, Long::sum);
          continue;
        }
        totals.merge(type, 1L, Long::sum);
        Map<String, long[]> m = byEvent.computeIfAbsent(type, k -> new HashMap<>());
        Set<String> seen = new HashSet<>();
        List<RecordedFrame> frames = st.getFrames();
        if (callers != null || chains) {
          int from = -1;
          if (chains) {
            from = 0;
          } else {
            for (int i = 0; i < frames.size(); i++) {
              if (name(frames.get(i).getMethod()).contains(callers)) {
                from = i;
                break;
              }
            }
          }
          if (from >= 0) {
            StringBuilder chain = new StringBuilder();
            for (int i = from; i < Math.min(frames.size(), from + depth + (chains ? 0 : 1)); i++) {
              if (chain.length() > 0) {
                chain.append(" <- ");
              }
              chain.append(shortName(frames.get(i).getMethod()));
            }
            chainCounts.computeIfAbsent(type, k -> new HashMap<>()).merge(chain.toString(), 1L, Long::sum);
          }
        }
        for (int i = 0; i < frames.size(); i++) {
          String name = name(frames.get(i).getMethod());
          long[] c = m.computeIfAbsent(name, k -> new long[2]);
          if (i == 0) {
            c[0]++;
          }
          if (seen.add(name)) {
            c[1]++;
          }
        }
      }
    }
    for (String type : List.of("jdk.ExecutionSample", "jdk.NativeMethodSample")) {
      long total = totals.getOrDefault(type, 0L);
      System.out.printf("%n%s: %,d samples (%,d more waiting for I/O or work, left out)%n", type, total,
          totals.getOrDefault(type + " idle", 0L));
      if (total == 0) {
        continue;
      }
      Map<String, long[]> m = byEvent.get(type);
      print("self (top frame)", m, 0, total, top);
      print("total (on the stack)", m, 1, total, top);
    }
    for (String type : List.of("jdk.ExecutionSample", "jdk.NativeMethodSample")) {
      Map<String, Long> c = chainCounts.get(type);
      if (c == null) {
        continue;
      }
      long total = totals.getOrDefault(type, 0L);
      System.out.printf("%n%s: %s (share of all %,d samples)%n", type,
          chains ? "most frequent top " + depth + " frames" : "callers of *" + callers + "*", total);
      c.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(top)
          .forEach(en -> System.out.printf("  %5.1f%% %,6d  %s%n", 100.0 * en.getValue() / Math.max(1, total), en.getValue(),
              en.getKey()));
    }
    System.out.printf("%nsamples by thread:%n");
    threads.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(top)
        .forEach(en -> System.out.printf("  %,8d  %s%n", en.getValue(), en.getKey()));
  }

  private static void print(String title, Map<String, long[]> m, int idx, long total, int top) {
    System.out.printf("  %s:%n", title);
    List<Map.Entry<String, long[]>> list = new ArrayList<>(m.entrySet());
    list.sort((a, b) -> Long.compare(b.getValue()[idx], a.getValue()[idx]));
    for (int i = 0; i < Math.min(top, list.size()); i++) {
      long n = list.get(i).getValue()[idx];
      System.out.printf("    %5.1f%%  %,7d  %s%n", 100.0 * n / total, n, list.get(i).getKey());
    }
  }

  /** Class simple name and method: {@code OutboundBatch.append}. */
  private static String shortName(RecordedMethod m) {
    if (m == null) {
      return "?";
    }
    String t = m.getType().getName();
    return t.substring(t.lastIndexOf('.') + 1) + "." + m.getName();
  }

  private static String name(RecordedMethod m) {
    if (m == null) {
      return "?";
    }
    return m.getType().getName() + "." + m.getName();
  }
}
