package dev.tributary.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Fan-out at increasing publication rates on one set of connected subscribers, until p99 latency
 * passes the limit (50 ms), deliveries are lost, a subscriber is closed, or the publisher cannot
 * hold the rate. The knee is the highest delivery rate of a step that passed.
 */
public final class SweepScenario {
  private SweepScenario() {}

  public static final class Config {
    public FanoutScenario.Config fanout = new FanoutScenario.Config();
    public List<Integer> rates = List.of(100, 200, 300, 500, 700, 1000, 1500, 2000, 3000, 5000, 7000, 10_000);
    public double p99LimitMs = 50;
    public double settleSeconds = 1;
    /** Unmeasured load at the first rate before the first step, so that both JITs are warm. */
    public double initialWarmupSeconds = 10;
    /** Run every rate even after a failing step (the knee is still the highest passing step below the first failure). */
    public boolean all = false;
    /** A step fails when the publisher held less than this share of the offered rate (0 = never, for smoke tests). */
    public double minHeldRatio = 0.95;
    /** A step during which other processes used more than {@code quietCores} is run again, up to this many times. */
    public int retries = 0;
    public double quietCores = Bench.DEFAULT_QUIET_CORES;

    static Config from(Params p) {
      Config c = new Config();
      if (!p.has("T")) {
        p.set("T", 8);
      }
      if (!p.has("warmup")) {
        p.set("warmup", 2);
      }
      c.fanout = FanoutScenario.Config.from(p);
      c.rates = p.intList("rates", c.rates, 1, 10_000_000);
      c.p99LimitMs = p.doubleValue("p99LimitMs", c.p99LimitMs, 0.001, 1e6);
      c.settleSeconds = p.doubleValue("settle", c.settleSeconds, 0, 60);
      c.initialWarmupSeconds = p.doubleValue("initialWarmup", c.initialWarmupSeconds, 0, 600);
      c.all = p.bool("all", c.all);
      c.retries = p.intValue("retries", c.retries, 0, 20);
      c.quietCores = p.doubleValue("quiet", c.quietCores, 0, 64);
      return c;
    }
  }

  @SuppressWarnings("unchecked")
  public static Result run(Target target, Config config, PrintStream out) {
    FanoutScenario.Config f = config.fanout;
    out.printf("sweep: %d subscribers on %d channel(s), %d-byte payloads via %s, rates %s/s, %s s per step after %s s warm-up; stop at p99 > %s ms or any loss%n",
        f.subscribers, f.channels, f.payloadBytes, f.publishVia, config.rates, f.seconds, f.warmupSeconds, config.p99LimitMs);
    List<Object> steps = new ArrayList<>();
    Result r0 = new Result();
    Result knee = null;
    String stopReason = "all rates passed";
    try (FanoutScenario.Rig rig = FanoutScenario.Rig.open(target, f)) {
      if (config.initialWarmupSeconds > 0) {
        out.printf("  warming up: %s s at R=%d (not measured)%n", config.initialWarmupSeconds, config.rates.get(0));
        rig.run(config.rates.get(0), config.initialWarmupSeconds, 0.1);
      }
      for (int rate : config.rates) {
        Result step = Bench.leastDisturbed(() -> rig.run(rate, f.warmupSeconds, f.seconds), config.retries,
            config.quietCores, out, "R=" + rate, config.settleSeconds);
        Map<String, Object> lat = (Map<String, Object>) step.get("latencyMs");
        double p99 = ((Number) lat.get("p99")).doubleValue();
        String fail = null;
        if (p99 > config.p99LimitMs) {
          fail = "p99 " + p99 + " ms > " + config.p99LimitMs + " ms";
        } else if (((Number) step.get("lost")).longValue() > 0) {
          fail = step.get("lost") + " deliveries lost";
        } else if (((Number) step.get("subscriberCloses")).longValue() > 0) {
          fail = step.get("subscriberCloses") + " subscriber(s) closed " + step.get("subscriberClosesByCode");
        } else if (step.number("publicationsPerSec") < config.minHeldRatio * rate) {
          fail = "publisher held only " + Bench.fmt(step.get("publicationsPerSec")) + " of " + rate + " publications/s";
        }
        step.put("passed", fail == null);
        if (fail != null) {
          step.put("failure", fail);
        }
        steps.add(step);
        out.printf("  R=%-6d pubs/s %-10s deliveries/s %-12s p50 %-8s p99 %-8s max %-8s lost %-6s server %s cores, %s µs/delivery, client %s cores, other %s cores  %s%n",
            rate, Bench.fmt(step.get("publicationsPerSec")), Bench.fmt(step.get("deliveriesPerSec")),
            lat.get("p50"), lat.get("p99"), lat.get("max"), step.get("lost"), Bench.fmt(step.get("serverCpuCores")),
            Bench.fmt(step.get("serverCpuUsPerDelivery")), Bench.fmt(step.get("clientCpuCores")),
            Bench.fmt(step.get("otherCpuCores")),
            fail == null ? "ok" : "FAIL: " + fail);
        if (fail != null) {
          if (stopReason.equals("all rates passed")) {
            stopReason = "R=" + rate + ": " + fail;
          }
          if (!config.all) {
            break;
          }
        } else if (stopReason.equals("all rates passed")) {
          knee = step;
        } else {
          r0.put("passedAfterFirstFailure", rate);
        }
        if (config.settleSeconds > 0) {
          Time.sleepUntil(System.nanoTime() + Time.secondsToNanos(config.settleSeconds));
        }
      }
    }
    Result r = new Result();
    r.put("scenario", "sweep");
    r.put("subscribers", f.subscribers);
    r.put("channels", f.channels);
    r.put("payloadBytes", f.payloadBytes);
    r.put("publishVia", f.publishVia);
    r.put("p99LimitMs", config.p99LimitMs);
    r.put("kneeRate", knee == null ? null : knee.get("targetRate"));
    r.put("kneeDeliveriesPerSec", knee == null ? null : knee.get("deliveriesPerSec"));
    r.put("kneeLatencyMs", knee == null ? null : knee.get("latencyMs"));
    r.put("kneeServerCpuUsPerDelivery", knee == null ? null : knee.get("serverCpuUsPerDelivery"));
    r.put("kneeClientSaturated", knee == null ? null : knee.get("clientSaturated"));
    r.put("stopReason", stopReason);
    if (r0.get("passedAfterFirstFailure") != null) {
      r.put("highestPassingRate", r0.get("passedAfterFirstFailure"));
      r.note("a higher rate (" + r0.get("passedAfterFirstFailure") + "/s) passed again after the first failure: latency is not"
          + " monotonic in the rate (the server batches more pushes per frame once it falls behind)");
    }
    List<Object> compact = new ArrayList<>();
    for (Object s : steps) {
      Result step = (Result) s;
      step.fields().remove("scenario");
      step.fields().remove("subscribers");
      step.fields().remove("channels");
      step.fields().remove("payloadBytes");
      step.fields().remove("publishVia");
      compact.add(step);
    }
    r.put("steps", compact);
    if (knee == null) {
      r.note("no rate passed: the knee is below " + config.rates.get(0) + " publications/s");
    } else if (Boolean.TRUE.equals(knee.get("clientSaturated"))) {
      r.note("the load client was saturated at the knee: it is the box's limit, not the server's");
    }
    return r;
  }

  static List<String> summary(Result r) {
    return List.of(
        "== sweep ==",
        "knee                 " + Bench.fmt(r.get("kneeDeliveriesPerSec")) + " deliveries/s sustained at R="
            + Bench.fmt(r.get("kneeRate")) + " publications/s",
        "stopped              " + r.get("stopReason"));
  }
}
