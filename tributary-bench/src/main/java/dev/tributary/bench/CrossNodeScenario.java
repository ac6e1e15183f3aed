package dev.tributary.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Cross-node fan-out (docs/PERFORMANCE-REDIS.md): the {@link FanoutScenario fanout} scenario over
 * one or two nodes, the publisher on node A and the subscribers split round robin, with the nodes'
 * and redis-server's CPU. {@code scripts/bench crossnode mode=local|redis1|redis2} starts what a
 * mode needs (one node without Redis, one with, two on one Redis) and passes {@code port2=},
 * {@code serverPid2=} (the second node) and {@code redisPid=} here.
 *
 * <p>With {@code history=N} (the namespace's history size the script configured), the run also
 * reads every channel's stream position ({@code POST /api/history} on node A) before and after:
 * it must have moved by exactly one per acknowledged publication ({@code historyOffsetDelta}), so
 * a run that did not append what it published says so.
 */
public final class CrossNodeScenario {
  private CrossNodeScenario() {}

  /** What to run: a fan-out, and the history size the nodes were given (0: none, not checked). */
  public static final class Config {
    public FanoutScenario.Config fanout = new FanoutScenario.Config();
    public int historySize;

    static Config from(Params p) {
      Config c = new Config();
      c.fanout = FanoutScenario.Config.from(p);
      c.historySize = p.intValue("history", 0, 0, 1_000_000);
      return c;
    }
  }

  /** One run over {@code nodes} (the first is the publisher's), {@code side} processes probed too. */
  public static Result run(List<Target> nodes, Config config, Map<String, ServerProbe> side) {
    long[] before = config.historySize > 0 ? positions(nodes.get(0), config.fanout) : null;
    Result r = FanoutScenario.run(nodes, config.fanout, side);
    r.put("historySize", config.historySize);
    if (before != null) {
      long[] after = positions(nodes.get(0), config.fanout);
      long delta = 0;
      for (int i = 0; i < after.length; i++) {
        delta += after[i] - before[i];
      }
      r.put("historyOffsetDelta", delta);
      long publications = (Long) r.get("publications");
      if (delta != publications) {
        r.note(String.format("the channels' history positions moved by %,d, not by the %,d publications acknowledged:"
            + " not every publication was appended", delta, publications));
      }
    }
    return r;
  }

  /** Every channel's stream position (its last offset) on {@code node}, through the server API. */
  static long[] positions(Target node, FanoutScenario.Config c) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    long[] out = new long[c.channels];
    for (int i = 0; i < c.channels; i++) {
      String channel = c.channelPrefix + i;
      HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + node.host() + ":" + node.port() + "/api/history"))
          .timeout(Duration.ofSeconds(10))
          .header("X-API-Key", node.apiKey())
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("channel", channel).encode()))
          .build();
      try {
        HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != 200) {
          throw new BenchException("history position of " + channel + ": HTTP " + resp.statusCode() + " " + resp.body()
              + " (is history=N the namespace's historySize?)");
        }
        out[i] = new JsonObject(resp.body()).getJsonObject("result").getLong("offset", 0L);
      } catch (IOException e) {
        throw new BenchException("history position of " + channel + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchException("interrupted");
      }
    }
    return out;
  }

  /** The fanout summary, the per-node lines and redis-server's CPU. */
  @SuppressWarnings("unchecked")
  static List<String> summary(Result r) {
    List<String> out = new ArrayList<>(Bench.fanoutSummary(r));
    out.set(0, "== crossnode ==");
    if (r.get("nodes") instanceof List<?> nodes) {
      for (Object o : nodes) {
        Map<String, Object> n = (Map<String, Object>) o;
        out.add(String.format("node %-18s %s subscribers, %s deliveries/s, server CPU %s cores, latency %s",
            n.get("node"), Bench.fmt(n.get("subscribers")), Bench.fmt(n.get("deliveriesPerSec")),
            Bench.fmt(n.get("serverCpuCores")), Result.latencyLine((Map<String, Object>) n.get("latencyMs"))));
      }
    }
    if (r.fields().containsKey("redisCpuCores")) {
      out.add("redis-server CPU     " + Bench.fmt(r.get("redisCpuCores")) + " cores");
    }
    if (r.fields().containsKey("historyOffsetDelta")) {
      out.add("history              positions moved by " + Bench.fmt(r.get("historyOffsetDelta")) + " for "
          + Bench.fmt(r.get("publications")) + " publications (history size " + r.get("historySize") + ")");
    }
    return out;
  }
}
