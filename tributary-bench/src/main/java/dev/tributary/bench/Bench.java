package dev.tributary.bench;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The load client's command line: {@code java -cp tributary.jar dev.tributary.bench.Bench
 * <fanout|connections|publish-http|sweep|pipeline|crossnode|cache-l2> port=N [key=value ...]}. Prints a human summary and
 * exactly one line {@code RESULT {json}}; exits 1 when the run could not be done (server not
 * reachable, setup failed, bad option). {@code scripts/bench} starts the server and calls this.
 *
 * <p>Common options: {@code host} (127.0.0.1), {@code port} (required), {@code apiKey},
 * {@code serverPid} (enables the server CPU and memory figures read from /proc and jcmd),
 * {@code clkTck} (clock ticks per second of /proc, 100), {@code threads} (client event loops),
 * and any {@code label.NAME=VALUE}, copied into the result (how the run was set up).
 */
public final class Bench {
  private Bench() {}

  /** Other processes' CPU (cores) above which a run counts as disturbed. */
  static final double DEFAULT_QUIET_CORES = 0.1;

  public static final List<String> SCENARIOS =
      List.of("fanout", "connections", "publish-http", "sweep", "pipeline", "crossnode", "cache-l2");

  public static void main(String[] args) {
    int code;
    try {
      code = run(args, System.out);
    } catch (BenchException e) {
      System.err.println("bench: error: " + e.getMessage());
      code = 1;
    } catch (RuntimeException | Error e) {
      System.err.println("bench: error: " + e);
      e.printStackTrace();
      code = 1;
    }
    System.out.flush();
    System.exit(code);
  }

  static int run(String[] args, PrintStream out) {
    if (args.length == 0 || !SCENARIOS.contains(args[0])) {
      throw new BenchException("usage: Bench <" + String.join("|", SCENARIOS) + "> port=N [key=value ...]");
    }
    String scenario = args[0];
    Params p = Params.parse(args, 1);
    if (scenario.equals("pipeline")) {
      return runPipeline(p, out);
    }
    if (scenario.equals("cache-l2")) {
      return runCacheL2(p, out);
    }
    String host = p.string("host", "127.0.0.1");
    int port = p.intValue("port", -1, 1, 65535);
    String apiKey = p.string("apiKey", "bench-api-key");
    long pid = p.longValue("serverPid", -1, -1, Long.MAX_VALUE);
    long clkTck = p.longValue("clkTck", 100, 1, 1_000_000);
    BoxCpu.clockTicksPerSecond = clkTck;
    ServerProbe probe = pid > 0 ? new ServerProbe(pid, clkTck) : null;
    Target target = new Target(host, port, apiKey, probe);
    Map<String, Object> labels = labels(p);
    Result r;
    List<String> summary;
    switch (scenario) {
      case "fanout" -> {
        FanoutScenario.Config c = FanoutScenario.Config.from(p);
        int retries = p.intValue("retries", 0, 0, 20);
        double quiet = p.doubleValue("quiet", DEFAULT_QUIET_CORES, 0, 64);
        p.rejectUnknown();
        out.printf("fanout: %d %s subscribers on %d channel(s), %d publications/s of %d bytes via %s, %s s measured after %s s warm-up%n",
            c.subscribers, c.proto, c.channels, c.rate, c.payloadBytes, c.publishVia, c.seconds, c.warmupSeconds);
        r = leastDisturbed(() -> FanoutScenario.run(target, c), retries, quiet, out, "fanout", 1);
        summary = fanoutSummary(r);
      }
      case "sweep" -> {
        SweepScenario.Config c = SweepScenario.Config.from(p);
        String svg = p.string("svg", null);
        String svgLabel = p.string("svgLabel", "sweep");
        p.rejectUnknown();
        r = SweepScenario.run(target, c, out);
        summary = SweepScenario.summary(r);
        if (svg != null) {
          SweepChart.write(java.nio.file.Path.of(svg), List.of(new SweepChart.Series(svgLabel, r.toJsonObject())));
          r.note("curves drawn in " + svg + " (more sweeps in one chart: java -cp tributary-bench.jar "
              + "dev.tributary.bench.SweepChart out=FILE NAME=RESULTFILE ...)");
        }
      }
      case "connections" -> {
        ConnectionsScenario.Config c = ConnectionsScenario.Config.from(p);
        p.rejectUnknown();
        r = ConnectionsScenario.run(target, c, out);
        summary = ConnectionsScenario.summary(r);
      }
      case "publish-http" -> {
        PublishHttpScenario.Config c = PublishHttpScenario.Config.from(p);
        int retries = p.intValue("retries", 0, 0, 20);
        double quiet = p.doubleValue("quiet", DEFAULT_QUIET_CORES, 0, 64);
        p.rejectUnknown();
        out.printf("publish-http: %d requests in flight, keep-alive %s, %s s measured after %s s warm-up%n",
            c.concurrency, c.keepAlive ? "on" : "off", c.seconds, c.warmupSeconds);
        r = leastDisturbed(() -> PublishHttpScenario.run(target, c), retries, quiet, out, "publish-http", 1);
        summary = PublishHttpScenario.summary(r);
      }
      case "crossnode" -> {
        CrossNodeScenario.Config c = CrossNodeScenario.Config.from(p);
        List<Target> nodes = new java.util.ArrayList<>(List.of(target));
        if (p.has("port2")) {
          long pid2 = p.longValue("serverPid2", -1, -1, Long.MAX_VALUE);
          nodes.add(new Target(host, p.intValue("port2", -1, 1, 65535), apiKey, pid2 > 0 ? new ServerProbe(pid2, clkTck) : null));
        }
        long redisPid = p.longValue("redisPid", -1, -1, Long.MAX_VALUE);
        Map<String, ServerProbe> side = redisPid > 0 ? Map.of("redis", new ServerProbe(redisPid, clkTck)) : Map.of();
        p.rejectUnknown();
        out.printf("crossnode: %d node(s)%s, %d %s subscribers on %d channel(s), %d publications/s of %d bytes, history %d,"
                + " %s s measured after %s s warm-up%n", nodes.size(), side.isEmpty() ? "" : " and redis-server",
            c.fanout.subscribers, c.fanout.proto, c.fanout.channels, c.fanout.rate, c.fanout.payloadBytes, c.historySize,
            c.fanout.seconds, c.fanout.warmupSeconds);
        r = CrossNodeScenario.run(nodes, c, side);
        summary = CrossNodeScenario.summary(r);
      }
      default -> throw new BenchException("unknown scenario " + scenario);
    }
    if (probe != null) {
      r.put("serverPid", probe.pid());
      r.put("serverGc", probe.gcName());
    }
    return print(r, labels, summary, out);
  }

  /** The {@code label.NAME=VALUE} options, by name: how the run was set up, copied into the result. */
  static Map<String, Object> labels(Params p) {
    Map<String, Object> labels = new LinkedHashMap<>();
    for (String k : p.keysWithPrefix("label.")) {
      labels.put(k.substring("label.".length()), p.string(k, ""));
    }
    return labels;
  }

  /** Adds the machine and the labels, prints the summary, the notes and the one RESULT line; 0. */
  static int print(Result r, Map<String, Object> labels, List<String> summary, PrintStream out) {
    Map<String, Object> machine = Machine.describe();
    machine.put("clientThreads", Runtime.getRuntime().availableProcessors());
    r.put("machine", machine);
    r.put("labels", labels);
    out.println();
    for (String line : summary) {
      out.println(line);
    }
    for (String note : r.notes()) {
      out.println("note: " + note);
    }
    out.println("RESULT " + r.toJson());
    return 0;
  }

  /**
   * The coordination pipeline: the server runs in this JVM (modules reach the coordinator over
   * its event bus), so there is no port, server pid or API key to give; {@code conf.KEY=VALUE}
   * and {@code eventLoops=} configure the in-process server.
   */
  static int runPipeline(Params p, PrintStream out) {
    p.longValue("clkTck", 100, 1, 1_000_000); // accepted for symmetry with the other scenarios
    Map<String, Object> labels = labels(p);
    boolean serverLog = p.bool("serverLog", false);
    PipelineScenario.Config c = PipelineScenario.Config.from(p);
    p.rejectUnknown();
    if (!serverLog && org.slf4j.LoggerFactory.getLogger("dev.tributary") instanceof ch.qos.logback.classic.Logger l) {
      // The in-process server logs to this process's stdout: warnings only, unless serverLog=on.
      l.setLevel(ch.qos.logback.classic.Level.WARN);
    }
    Result r = PipelineScenario.run(c, out);
    r.put("jvmGc", ManagementGc.name());
    return print(r, labels, PipelineScenario.summary(r), out);
  }

  /**
   * The L2 read path of the server's Redis cache, in this JVM against {@code redisUrl=}
   * ({@link CacheL2Scenario}); no server port.
   */
  static int runCacheL2(Params p, PrintStream out) {
    Map<String, Object> labels = labels(p);
    CacheL2Scenario.Config c = CacheL2Scenario.Config.from(p);
    p.rejectUnknown();
    if (org.slf4j.LoggerFactory.getLogger("dev.tributary") instanceof ch.qos.logback.classic.Logger l) {
      l.setLevel(ch.qos.logback.classic.Level.WARN);
    }
    out.printf("cache-l2: %,d gets per driver after %,d warm-up, inflight %s, %d event loop(s), %,d keys%n",
        c.gets, c.warmup, c.inflight, c.eventLoops, c.keys);
    Result r = CacheL2Scenario.run(c, out);
    r.put("jvmGc", ManagementGc.name());
    return print(r, labels, CacheL2Scenario.summary(r), out);
  }

  /** The collectors of this JVM, e.g. "G1 Young Generation, G1 Old Generation". */
  static final class ManagementGc {
    private ManagementGc() {}

    static String name() {
      List<String> names = new java.util.ArrayList<>();
      for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
        names.add(gc.getName());
      }
      return String.join(", ", names);
    }
  }

  /**
   * Runs {@code run} and, while other processes took more than {@code quietCores} of the machine
   * during its window ({@code otherCpuCores}, see {@link BoxCpu}), runs it again, up to
   * {@code retries} more times. Returns the least disturbed attempt, with {@code attempts} and the
   * other attempts' key figures ({@code disturbedAttempts}), so nothing is hidden.
   */
  @SuppressWarnings("unchecked")
  static Result leastDisturbed(java.util.function.Supplier<Result> run, int retries, double quietCores, PrintStream out,
      String what, double settleSeconds) {
    Result best = null;
    List<Object> others = new java.util.ArrayList<>();
    int attempts = 0;
    while (true) {
      Result r = run.get();
      attempts++;
      double other = r.number("otherCpuCores");
      if (best == null) {
        best = r;
      } else {
        double bestOther = best.number("otherCpuCores");
        Result worse = r;
        if (!Double.isNaN(other) && (Double.isNaN(bestOther) || other < bestOther)) {
          worse = best;
          best = r;
        }
        others.add(attemptFigures(worse));
      }
      if (Double.isNaN(other) || other <= quietCores || attempts > retries) {
        break;
      }
      out.printf("  %s: other processes used %.2f cores during the window (quiet= %.2f): running it again (%d of %d)%n",
          what, other, quietCores, attempts, retries);
      if (settleSeconds > 0) {
        Time.sleepUntil(System.nanoTime() + Time.secondsToNanos(settleSeconds));
      }
    }
    best.put("attempts", attempts);
    best.put("disturbed", best.number("otherCpuCores") > quietCores);
    if (!others.isEmpty()) {
      best.put("disturbedAttempts", others);
    }
    if (best.number("otherCpuCores") > quietCores && retries > 0) {
      best.note(String.format("every attempt (%d) was disturbed by other processes; the least disturbed is reported", attempts));
    }
    return best;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> attemptFigures(Result r) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (String k : List.of("otherCpuCores", "serverCpuCores", "deliveriesPerSec", "requestsPerSec", "lost")) {
      if (r.get(k) != null) {
        m.put(k, r.get(k));
      }
    }
    if (r.get("latencyMs") instanceof Map<?, ?> lat) {
      m.put("p99Ms", ((Map<String, Object>) lat).get("p99"));
    }
    return m;
  }

  /** Adds the load client's CPU use over a window and says when the client was the limit. */
  static void clientCpu(Result r, long cpu0, long cpu1, long wallNanos, int threads) {
    if (cpu0 < 0 || cpu1 < 0 || wallNanos <= 0) {
      r.put("clientCpuCores", null);
      return;
    }
    double cores = (double) (cpu1 - cpu0) / wallNanos;
    int limit = Math.min(threads + 1, Runtime.getRuntime().availableProcessors());
    r.put("clientCpuCores", cores);
    r.put("clientCpuLimitCores", limit);
    boolean saturated = cores >= 0.95 * limit;
    r.put("clientSaturated", saturated);
    if (saturated) {
      r.note(String.format("the load client used %.0f%% of its %d core(s): these figures are the box's limit, not the server's",
          100 * cores / limit, limit));
    }
    Object server = r.get("serverCpuCores");
    int cpus = Runtime.getRuntime().availableProcessors();
    if (server instanceof Number s && limit >= 2 && s.doubleValue() + cores >= 0.95 * cpus) {
      r.note(String.format("server and client together used %.2f of %d cores: the machine is saturated",
          s.doubleValue() + cores, cpus));
    }
  }

  static String fmt(Object v) {
    if (v == null) {
      return "n/a";
    }
    if (v instanceof Double d) {
      if (Math.abs(d) >= 1000) {
        return String.format("%,.0f", d);
      }
      return String.format("%.3f", d);
    }
    if (v instanceof Long || v instanceof Integer) {
      return String.format("%,d", ((Number) v).longValue());
    }
    return String.valueOf(v);
  }

  @SuppressWarnings("unchecked")
  static List<String> fanoutSummary(Result r) {
    Map<String, Object> lat = (Map<String, Object>) r.get("latencyMs");
    return List.of(
        "== fanout ==",
        "publications/s       " + fmt(r.get("publicationsPerSec")) + " (target " + fmt(r.get("targetRate")) + ")",
        "deliveries/s         " + fmt(r.get("deliveriesPerSec")) + " (target " + fmt(r.get("targetDeliveriesPerSec")) + ")",
        "latency              " + Result.latencyLine(lat),
        "lost                 " + fmt(r.get("lost")) + " of " + fmt(r.get("expectedDeliveries"))
            + " (slow-consumer closes " + fmt(r.get("slowConsumerCloses")) + ", other closes " + fmt(r.get("subscriberCloses"))
            + ", out of order " + fmt(r.get("outOfOrder")) + ", publish errors " + fmt(r.get("publishErrors"))
            + ", publisher shortfall " + fmt(r.get("publishShortfall")) + ")",
        "server CPU           " + fmt(r.get("serverCpuCores")) + " cores, " + fmt(r.get("serverCpuUsPerDelivery")) + " µs per delivery",
        "on the wire          " + fmt(r.get("bytesPerDelivery")) + " frame payload bytes per delivery (JSON "
            + fmt(r.get("jsonBytesPerDelivery")) + ", Protobuf " + fmt(r.get("protobufBytesPerDelivery")) + "), "
            + fmt(r.get("wireBytesPerSec")) + " B/s",
        "server RSS           " + fmt(r.get("serverRssKb")) + " KiB (peak " + fmt(r.get("serverPeakRssKb")) + " KiB)",
        "client CPU           " + fmt(r.get("clientCpuCores")) + " cores of " + fmt(r.get("clientCpuLimitCores")),
        "other CPU            " + fmt(r.get("otherCpuCores")) + " cores (the box " + fmt(r.get("boxCpuCores"))
            + " cores, steal " + fmt(r.get("stealCores")) + ")");
  }
}
