package dev.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.TributaryServer;
import dev.tributary.config.NamespaceOptions;
import dev.tributary.config.TributaryOptions;
import dev.tributary.testing.RedisServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The scenarios that need Redis ({@code crossnode}, {@code cache-l2}) at tiny sizes against a real
 * redis-server and two in-process nodes on it: correctness only. Every publication reaches every
 * subscriber on both nodes (the remote node's only way is through Redis), each node reports its
 * own latency samples, the history positions moved by one per publication; every cache row made
 * the gets it says, and every L2 read found its key.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BenchRedisSmokeTest {
  static final String KEY = "bench-test-key";
  static RedisServer redis;
  static TributaryServer nodeA;
  static TributaryServer nodeB;
  static List<Target> nodes;

  @BeforeAll
  static void start() throws Exception {
    redis = RedisServer.start();
    nodeA = node();
    nodeB = node();
    nodes = List.of(new Target("127.0.0.1", nodeA.port(), KEY), new Target("127.0.0.1", nodeB.port(), KEY));
  }

  private static TributaryServer node() throws Exception {
    TributaryOptions o = new TributaryOptions();
    o.getHttp().setHost("127.0.0.1").setPort(0);
    o.getApi().setKey(KEY);
    o.getServer().setEventLoops(1).setShutdownTimeoutSeconds(5);
    o.getGateway().getRateLimit().setCommandsPerSecond(0);
    o.getRedis().setUrls(List.of(redis.url()));
    o.getChannels().putNamespace("bench", new NamespaceOptions().setAllowClientPublish(true).setHistorySize(100));
    TributaryServer s = new TributaryServer(o);
    s.start().await(30, TimeUnit.SECONDS);
    return s;
  }

  @AfterAll
  static void stop() throws Exception {
    for (TributaryServer s : new TributaryServer[] {nodeA, nodeB}) {
      if (s != null) {
        s.stop().await(30, TimeUnit.SECONDS);
      }
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void crossnodeDeliversEveryPublicationToEverySubscriberOnBothNodes() {
    CrossNodeScenario.Config c = new CrossNodeScenario.Config();
    c.fanout.subscribers = 10;
    c.fanout.channels = 1;
    c.fanout.rate = 40;
    c.fanout.payloadBytes = 64;
    c.fanout.seconds = 2;
    c.fanout.warmupSeconds = 0.5;
    c.fanout.threads = 2;
    c.historySize = 100;
    Result r = CrossNodeScenario.run(nodes, c, Map.of("redis", new ServerProbe(redis.pid(), 100)));

    assertThat(r.get("scenario")).isEqualTo("crossnode");
    long publications = (Long) r.get("publications");
    assertThat(publications).isPositive();
    assertThat(r.get("publishErrors")).isEqualTo(0L);
    assertThat(r.get("expectedDeliveries")).isEqualTo(publications * 10);
    assertThat(r.get("receivedDeliveries")).isEqualTo(publications * 10);
    assertThat(r.get("lost")).isEqualTo(0L);
    assertThat(r.get("duplicates")).isEqualTo(0L);
    assertThat(r.get("outOfOrder")).isEqualTo(0L);
    // Every acknowledged publication was appended once: the position moved by exactly that many.
    assertThat(r.get("historyOffsetDelta")).isEqualTo(publications);
    assertThat(r.number("redisCpuCores")).isGreaterThanOrEqualTo(0);

    List<Map<String, Object>> perNode = (List<Map<String, Object>>) r.get("nodes");
    assertThat(perNode).hasSize(2);
    long samples = 0;
    for (Map<String, Object> n : perNode) {
      assertThat(n.get("subscribers")).isEqualTo(5L);
      assertThat(((Number) n.get("deliveriesPerSec")).doubleValue()).as("%s", n).isPositive();
      // One sample per delivery of a window publication: a whole multiple of the node's 5 subscribers.
      long count = ((Number) ((Map<String, Object>) n.get("latencyMs")).get("count")).longValue();
      assertThat(count).as("latency samples of %s", n.get("node")).isPositive();
      assertThat(count % 5).as("samples %d of %s: not 5 per publication", count, n.get("node")).isZero();
      samples += count;
    }
    assertThat(((Number) ((Map<String, Object>) r.get("latencyMs")).get("count")).longValue()).isEqualTo(samples);
  }

  @Test
  void crossnodeCommandLinePrintsOneResultLineWithBothNodes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    int code = Bench.run(new String[] {"crossnode", "port=" + nodeA.port(), "port2=" + nodeB.port(), "apiKey=" + KEY,
        "redisPid=" + redis.pid(), "S=4", "R=20", "T=1", "warmup=0.2", "threads=1", "history=100", "label.mode=redis2"}, out);
    assertThat(code).isZero();
    List<String> results = bytes.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("RESULT ")).toList();
    assertThat(results).hasSize(1);
    JsonObject json = new JsonObject(results.get(0).substring("RESULT ".length()));
    assertThat(json.getString("scenario")).isEqualTo("crossnode");
    assertThat(json.getLong("lost")).isZero();
    assertThat(json.getLong("receivedDeliveries")).isEqualTo(json.getLong("publications") * 4).isPositive();
    assertThat(json.getLong("historyOffsetDelta")).isEqualTo(json.getLong("publications"));
    assertThat(json.getJsonArray("nodes")).hasSize(2);
    assertThat(json.getJsonObject("labels").getString("mode")).isEqualTo("redis2");
  }

  @Test
  @SuppressWarnings("unchecked")
  void cacheL2MeasuresEveryPathAndDriverAndEveryReadHitsL2() {
    CacheL2Scenario.Config c = new CacheL2Scenario.Config();
    c.redisUrl = redis.url();
    c.redisPid = redis.pid();
    c.gets = 200;
    c.warmup = 50;
    c.inflight = List.of(4);
    c.keys = 100;
    c.eventLoops = 1;
    Result r = CacheL2Scenario.run(c, quiet());
    List<Object> rows = (List<Object>) r.get("rows");
    // Every path, three drivers each (thread; loop, 1 in flight; loop, 4 in flight).
    assertThat(rows).hasSize(CacheL2Scenario.PATHS.size() * 3);
    for (Object o : rows) {
      Map<String, Object> row = (Map<String, Object>) o;
      long expected = row.get("driver").toString().contains("4 in flight") ? 400 : 200;
      assertThat(row.get("gets")).as("%s", row).isEqualTo(expected);
      assertThat(((Number) ((Map<String, Object>) row.get("latencyMs")).get("count")).longValue()).isEqualTo(expected);
      assertThat(((Number) row.get("getsPerSec")).doubleValue()).isPositive();
      assertThat(((Number) row.get("redisCpuCores")).doubleValue()).isGreaterThanOrEqualTo(0);
    }
    assertThat(r.get("cacheGets")).isEqualTo(3L * 50 + 200 + 200 + 400);
    assertThat((Long) r.get("l2Reads")).isPositive();
    assertThat(r.number("l2HitRate")).as("every key was written to Redis first").isEqualTo(1.0);
  }

  @Test
  void cacheL2CommandLineNeedsARedisUrlAndKnownPaths() {
    assertThatThrownBy(() -> Bench.run(new String[] {"cache-l2"}, quiet()))
        .isInstanceOf(BenchException.class).hasMessageContaining("redisUrl");
    assertThatThrownBy(() -> Bench.run(new String[] {"cache-l2", "redisUrl=" + redis.url(), "paths=nope"}, quiet()))
        .isInstanceOf(BenchException.class).hasMessageContaining("no path starts with 'nope'");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = Bench.run(new String[] {"cache-l2", "redisUrl=" + redis.url(), "n=20", "warmup=0", "inflight=2",
        "keys=10", "paths=cache.get"}, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(code).isZero();
    List<String> results = bytes.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("RESULT ")).toList();
    assertThat(results).hasSize(1);
    JsonArray rows = new JsonObject(results.get(0).substring("RESULT ".length())).getJsonArray("rows");
    assertThat(rows).hasSize(3);
    assertThat(rows.getJsonObject(0).getString("path")).isEqualTo("cache.get");
  }

  private static PrintStream quiet() {
    return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
  }
}
