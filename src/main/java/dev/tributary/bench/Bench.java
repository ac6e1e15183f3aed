package dev.tributary.bench;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The load client's command line: {@code java -cp tributary.jar dev.tributary.bench.Bench
 * <fanout|connections|publish-http|sweep> port=N [key=value ...]}. Prints a human summary and
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

  public static final List<String> SCENARIOS = List.of("fanout", "connections", "publish-http", "sweep");

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
    String host = p.string("host", "127.0.0.1");
    int port = p.intValue("port", -1, 1, 65535);
    String apiKey = p.string("apiKey", "bench-api-key");
    long pid = p.longValue("serverPid", -1, -1, Long.MAX_VALUE);
    long clkTck = p.longValue("clkTck", 100, 1, 1_000_000);
    ServerProbe probe = pid > 0 ? new ServerProbe(pid, clkTck) : null;
    Target target = new Target(host, port, apiKey, probe);
    Map<String, Object> labels = new LinkedHashMap<>();
    for (String k : p.keysWithPrefix("label.")) {
      labels.put(k.substring("label.".length()), p.string(k, ""));
    }
    Result r;
    List<String> summary;
    switch (scenario) {
      case "fanout" -> {
        FanoutScenario.Config c = FanoutScenario.Config.from(p);
        p.rejectUnknown();
        out.printf("fanout: %d subscribers on %d channel(s), %d publications/s of %d bytes via %s, %s s measured after %s s warm-up%n",
            c.subscribers, c.channels, c.rate, c.payloadBytes, c.publishVia, c.seconds, c.warmupSeconds);
        r = FanoutScenario.run(target, c);
        summary = fanoutSummary(r);
      }
      case "sweep" -> {
        SweepScenario.Config c = SweepScenario.Config.from(p);
        p.rejectUnknown();
        r = SweepScenario.run(target, c, out);
        summary = SweepScenario.summary(r);
      }
      case "connections" -> {
        ConnectionsScenario.Config c = ConnectionsScenario.Config.from(p);
        p.rejectUnknown();
        r = ConnectionsScenario.run(target, c, out);
        summary = ConnectionsScenario.summary(r);
      }
      case "publish-http" -> {
        PublishHttpScenario.Config c = PublishHttpScenario.Config.from(p);
        p.rejectUnknown();
        out.printf("publish-http: %d requests in flight, keep-alive %s, %s s measured after %s s warm-up%n",
            c.concurrency, c.keepAlive ? "on" : "off", c.seconds, c.warmupSeconds);
        r = PublishHttpScenario.run(target, c);
        summary = PublishHttpScenario.summary(r);
      }
      default -> throw new BenchException("unknown scenario " + scenario);
    }
    Map<String, Object> machine = Machine.describe();
    machine.put("clientThreads", Runtime.getRuntime().availableProcessors());
    r.put("machine", machine);
    if (probe != null) {
      r.put("serverPid", probe.pid());
      r.put("serverGc", probe.gcName());
    }
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
        "server RSS           " + fmt(r.get("serverRssKb")) + " KiB (peak " + fmt(r.get("serverPeakRssKb")) + " KiB)",
        "client CPU           " + fmt(r.get("clientCpuCores")) + " cores of " + fmt(r.get("clientCpuLimitCores")));
  }
}
