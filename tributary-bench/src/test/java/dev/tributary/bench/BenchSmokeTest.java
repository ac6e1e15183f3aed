package dev.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.TributaryServer;
import dev.tributary.config.NamespaceOptions;
import dev.tributary.config.TributaryOptions;
import dev.tributary.metrics.MetricNames;
import dev.tributary.testing.Poll;
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
 * The benchmark kit's scenarios at tiny sizes against an in-process server: correctness only, never
 * speed. The figures a scenario reports are checked against what happened: deliveries equal to what
 * was sent times the subscribers, nothing lost, the server's own counters agreeing with the client's,
 * one latency sample per delivery of a publication sent in the window.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BenchSmokeTest {
  static final String KEY = "bench-test-key";
  static TributaryServer server;
  static Target target;

  @BeforeAll
  static void start() throws Exception {
    TributaryOptions o = new TributaryOptions();
    o.getHttp().setHost("127.0.0.1").setPort(0);
    o.getApi().setKey(KEY);
    o.getServer().setEventLoops(2).setShutdownTimeoutSeconds(5);
    o.getGateway().setPingIntervalSeconds(2).setPongTimeoutSeconds(1);
    o.getGateway().getRateLimit().setCommandsPerSecond(0);
    o.getChannels().putNamespace("bench", new NamespaceOptions().setAllowClientPublish(true));
    server = new TributaryServer(o);
    int port = server.start().await(30, TimeUnit.SECONDS);
    target = new Target("127.0.0.1", port, KEY); // in-process: no server probe
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.stop().await(30, TimeUnit.SECONDS);
    }
  }

  private static FanoutScenario.Config tinyFanout() {
    FanoutScenario.Config c = new FanoutScenario.Config();
    c.subscribers = 20;
    c.channels = 2;
    c.rate = 50;
    c.payloadBytes = 64;
    c.seconds = 2;
    c.warmupSeconds = 0.5;
    c.threads = 2;
    return c;
  }

  @Test
  void fanoutOverWebSocketPublishLosesNothing() {
    ServerCounts before = ServerCounts.now();
    Result r = FanoutScenario.run(target, tinyFanout());
    assertFanout(r, before);
  }

  @Test
  void fanoutOverHttpPublishLosesNothing() {
    FanoutScenario.Config c = tinyFanout();
    c.publishVia = "http";
    c.httpConnections = 2;
    ServerCounts before = ServerCounts.now();
    Result r = FanoutScenario.run(target, c);
    assertFanout(r, before);
    assertThat(r.get("publishVia")).isEqualTo("http");
  }

  /**
   * Protobuf subscribers (subprotocol centrifuge-protobuf, echoed by the server or the subscriber
   * fails) and a 50/50 mix lose nothing, and the server's counters match. 3 s past the 2 s ping
   * interval plus the 1 s pong timeout: a subscriber that did not answer the Protobuf ping (an empty
   * Reply) with an empty Command would be closed, and subscriberCloses would not be 0.
   */
  @Test
  void fanoutWithProtobufAndMixedSubscribersLosesNothing() {
    for (String proto : List.of("protobuf", "mix")) {
      FanoutScenario.Config c = tinyFanout();
      c.proto = proto;
      c.seconds = 3;
      ServerCounts before = ServerCounts.now();
      Result r = FanoutScenario.run(target, c);
      assertFanout(r, before);
      assertThat(r.get("proto")).isEqualTo(proto);
      assertThat(r.number("bytesPerDelivery")).as(proto).isPositive();
      assertThat(r.number("protobufBytesPerDelivery")).as(proto).isPositive();
      if (proto.equals("mix")) {
        // Same publications, both encodings: the binary push is the smaller one.
        assertThat(r.number("protobufBytesPerDelivery")).isLessThan(r.number("jsonBytesPerDelivery"));
      } else {
        assertThat(r.fields()).doesNotContainKey("jsonBytesPerDelivery");
      }
    }
  }

  @Test
  void unknownProtoIsRefused() {
    PrintStream out = quiet();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Bench.run(new String[] {"fanout", "port=1", "proto=xml"}, out))
        .isInstanceOf(BenchException.class).hasMessageContaining("proto must be json, protobuf or mix");
  }

  /** The in-process server's own publication and delivery counters. */
  record ServerCounts(long publications, long deliveries) {
    static ServerCounts now() {
      return new ServerCounts(
          (long) server.registry().get(MetricNames.PUBLICATIONS).functionCounter().count(),
          (long) server.registry().get(MetricNames.DELIVERIES).functionCounter().count());
    }
  }

  /** Everything sent arrived once, in order, to each of the 10 subscribers of its channel; nobody was closed. */
  private static void assertNothingLost(Result r) {
    assertThat(r.get("lost")).isEqualTo(0L);
    assertThat(r.get("duplicates")).isEqualTo(0L);
    assertThat(r.get("outOfOrder")).isEqualTo(0L);
    assertThat(r.get("slowConsumerCloses")).isEqualTo(0);
    assertThat(r.get("publishErrors")).isEqualTo(0L);
    assertThat((Long) r.get("receivedDeliveries")).isEqualTo((Long) r.get("expectedDeliveries")).isPositive();
    // 50/s for 2.5 s, each to the 10 subscribers of its channel.
    assertThat((Long) r.get("publications")).isGreaterThan(0L);
    assertThat((Long) r.get("expectedDeliveries")).isEqualTo((Long) r.get("publications") * 10);
    assertThat(r.get("subscriberCloses")).isEqualTo(0);
    assertThat(r.get("drainComplete")).isEqualTo(true);
  }

  @SuppressWarnings("unchecked")
  private static void assertFanout(Result r, ServerCounts before) {
    assertNothingLost(r);
    // The server counted exactly what the client says it published and received (its delivery
    // counters are summed across event loops: read until they settle, bounded).
    long publications = (Long) r.get("publications");
    long received = (Long) r.get("receivedDeliveries");
    ServerCounts after = Poll.until("the server's counters reach the client's figures", 10, ServerCounts::now,
        n -> n.publications() - before.publications() >= publications && n.deliveries() - before.deliveries() >= received);
    assertThat(after.publications() - before.publications()).as("publications the server accepted").isEqualTo(publications);
    assertThat(after.deliveries() - before.deliveries()).as("deliveries the server queued").isEqualTo(received);
    assertNonNegative(r, "publicationsPerSec", "publicationsSentPerSec", "deliveriesPerSec", "clientCpuCores");
    assertThat(r.number("deliveriesPerSec")).isPositive();
    assertThat(r.number("bytesPerDelivery")).isPositive();
    Map<String, Object> lat = (Map<String, Object>) r.get("latencyMs");
    assertThat(lat.keySet()).contains("p50", "p90", "p99", "max", "count");
    // One sample per delivery of a publication sent in the measured window: every such publication
    // reached all 10 subscribers of its channel, so the count is a whole multiple of 10.
    long samples = ((Number) lat.get("count")).longValue();
    assertThat(samples).isPositive().isLessThanOrEqualTo(received);
    assertThat(samples % 10).as("latency samples %d: not 10 per publication", samples).isZero();
    for (String k : List.of("p50", "p90", "p99", "max")) {
      assertThat(((Number) lat.get(k)).doubleValue()).as(k).isGreaterThanOrEqualTo(0);
    }
    assertThat(((Number) lat.get("p50")).doubleValue()).isLessThanOrEqualTo(((Number) lat.get("p99")).doubleValue());
    // In-process: the /proc-based server figures are skipped, and say so.
    assertThat(r.fields()).containsKey("serverCpuUsPerDelivery");
    assertThat(r.get("serverCpuUsPerDelivery")).isNull();
    assertThat(r.notes()).anyMatch(n -> n.contains("skipped"));
  }

  @Test
  void connectionsSurviveTwoPingIntervals() {
    ConnectionsScenario.Config c = new ConnectionsScenario.Config();
    c.connections = 200;
    c.concurrency = 50;
    c.perSource = 100; // exercise two source addresses (127.0.0.1 and 127.0.0.2)
    c.holdSeconds = 5; // two 2 s ping intervals plus the 1 s pong timeout
    c.threads = 2;
    Result r = ConnectionsScenario.run(target, c, quiet());
    assertThat(r.get("connected")).isEqualTo(200);
    assertThat(r.get("failed")).isEqualTo(0);
    assertThat(r.get("survived")).isEqualTo(200);
    assertThat((Integer) r.get("serverConnections")).isGreaterThanOrEqualTo(200); // closes of earlier tests may lag
    assertThat(r.get("sourceAddresses")).isEqualTo(2);
    assertThat(r.get("pingIntervalSeconds")).isEqualTo(2);
    // Every connection answered at least one ping in 5 s.
    assertThat((Long) r.get("pongsSent")).isGreaterThanOrEqualTo(200L);
    assertThat((Map<?, ?>) r.get("closesByCode")).isEmpty();
    assertNonNegative(r, "openSeconds", "connectsPerSec", "holdSeconds", "clientCpuCores");
    assertThat(r.fields()).containsKeys("rssBytesPerConnection", "heapBytesPerConnection");
  }

  @Test
  void publishHttpCountsRequests() {
    for (boolean keepAlive : new boolean[] {false, true}) {
      PublishHttpScenario.Config c = new PublishHttpScenario.Config();
      c.concurrency = 4;
      c.seconds = 1;
      c.warmupSeconds = 0.2;
      c.keepAlive = keepAlive;
      c.threads = 1;
      long publicationsBefore = ServerCounts.now().publications();
      Result r = PublishHttpScenario.run(target, c);
      assertThat(r.get("errors")).as("keepAlive=" + keepAlive).isEqualTo(0L);
      assertThat(r.get("non200")).isEqualTo(0L);
      // Every request the scenario counts (those of the measured window) is a publication the server
      // accepted; the warm-up's come on top, and the scenario fails unless at least one got through.
      // (The window alone may see none on a machine busy with other work: it is one second long.)
      long accepted = ServerCounts.now().publications() - publicationsBefore;
      assertThat(accepted).as("keepAlive=" + keepAlive).isPositive()
          .isGreaterThanOrEqualTo((Long) r.get("requests"));
      assertNonNegative(r, "requestsPerSec", "clientCpuCores");
      if (!keepAlive) {
        // One TCP connection per request.
        assertThat((Long) r.get("tcpConnections")).isGreaterThanOrEqualTo((Long) r.get("requests"));
      }
    }
  }

  @Test
  void sweepFindsAKneeAtTinyRates() {
    SweepScenario.Config c = new SweepScenario.Config();
    c.fanout = tinyFanout();
    c.fanout.seconds = 1;
    c.fanout.warmupSeconds = 0.2;
    c.rates = List.of(10, 20);
    c.p99LimitMs = 10_000; // correctness only: no latency judgement on a shared test machine
    c.minHeldRatio = 0; // nor a rate judgement
    c.settleSeconds = 0;
    c.initialWarmupSeconds = 0.2;
    Result r = SweepScenario.run(target, c, quiet());
    assertThat(r.get("stopReason")).isEqualTo("all rates passed");
    assertThat(r.get("kneeRate")).isEqualTo(20);
    assertThat(r.number("kneeDeliveriesPerSec")).isPositive();
    assertThat((List<?>) r.get("steps")).hasSize(2);
    for (Object o : (List<?>) r.get("steps")) {
      Result step = (Result) o;
      assertThat(step.get("passed")).isEqualTo(true);
      assertThat(step.get("lost")).as("rate %s", step.get("targetRate")).isEqualTo(0L);
      assertThat((Long) step.get("receivedDeliveries")).isEqualTo((Long) step.get("expectedDeliveries"))
          .isEqualTo((Long) step.get("publications") * 10);
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void pipelineDeliversEveryKeysLastValueInEveryMode() {
    PipelineScenario.Config c = new PipelineScenario.Config();
    c.modules = 2;
    c.keys = 3;
    c.subscribers = 2;
    c.rates = List.of(300);
    c.seconds = 1;
    c.warmupSeconds = 0.3;
    c.drainSeconds = 10;
    c.server = PipelineScenario.Config.defaultServer(2);
    // Short delays, so that a one-second run releases every key more than once.
    c.server.getCoordinator().setNormalDelayMillis(50).setCriticalDelayMillis(10).setMaxWaitMillis(200)
        .setBatchWindowMillis(20);
    Result r = PipelineScenario.run(c, quiet());
    List<Object> steps = (List<Object>) r.get("steps");
    assertThat(steps).hasSize(3);
    assertThat(steps).extracting(s -> ((Result) s).get("mode")).containsExactly("MANUAL", "HYBRID", "FULLY_AUTO");
    for (Object o : steps) {
      Result s = (Result) o;
      String mode = (String) s.get("mode");
      assertThat(s.get("lostDeliveries")).as(mode).isEqualTo(0L);
      assertThat(s.get("duplicateDeliveries")).as(mode).isEqualTo(0L);
      assertThat(s.get("finalValuesMissing")).as(mode).isEqualTo(0L);
      assertThat(s.get("outOfOrder")).as(mode).isEqualTo(0L);
      assertThat(s.get("updatesRejected")).as(mode).isEqualTo(0L);
      assertThat(s.get("subscriberCloses")).as(mode).isEqualTo(0);
      assertThat(s.get("drainComplete")).as(mode).isEqualTo(true);
      assertThat((Long) s.get("publications")).as(mode).isPositive();
      // Every publication reached both subscribers of its module's channel.
      assertThat((Long) s.get("receivedDeliveries")).as(mode).isEqualTo((Long) s.get("publications") * 2);
      assertNonNegative(s, "updatesSentPerSec", "updatesInPerSec", "publicationsOutPerSec", "deliveriesPerSec",
          "coalescedRatio", "cpuUsPerUpdate", "serverLoopCpuUsPerUpdate", "processCpuCores");
      assertThat(s.number("updatesInPerSec")).as(mode).isPositive();
      assertThat(s.number("coalescedRatio")).as(mode).isLessThanOrEqualTo(1.0);
      Map<String, Object> lat = (Map<String, Object>) s.get("latencyMs");
      assertThat(((Number) lat.get("count")).longValue()).as(mode).isPositive();
      assertThat((Map<String, Object>) s.get("coordinatorLatencyMs")).containsKeys("p50", "p99");
    }
  }

  @Test
  void pipelineCommandLinePrintsExactlyOneResultLine() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    int code = Bench.run(new String[] {"pipeline", "modes=manual", "M=1", "K=2", "U=100", "T=0.5", "warmup=0.1",
        "eventLoops=1", "serverLog=on", "conf.coordinator.normalDelayMillis=20", "conf.coordinator.maxWaitMillis=100",
        "label.pin=test"}, out);
    assertThat(code).isZero();
    List<String> results = bytes.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("RESULT ")).toList();
    assertThat(results).hasSize(1);
    JsonObject json = new JsonObject(results.get(0).substring("RESULT ".length()));
    assertThat(json.getString("scenario")).isEqualTo("pipeline");
    assertThat(json.getJsonObject("coordinator").getInteger("normalDelayMillis")).isEqualTo(20);
    assertThat(json.getJsonArray("steps")).hasSize(1);
    assertThat(json.getJsonArray("steps").getJsonObject(0).getLong("finalValuesMissing")).isZero();
    assertThat(json.getJsonObject("labels").getString("pin")).isEqualTo("test");
  }

  @Test
  void commandLinePrintsExactlyOneResultLine() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    int code = Bench.run(new String[] {"fanout", "port=" + target.port(), "apiKey=" + KEY, "S=4", "R=20", "T=1",
        "warmup=0.2", "threads=1", "label.pin=test"}, out);
    assertThat(code).isZero();
    List<String> results = bytes.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("RESULT ")).toList();
    assertThat(results).hasSize(1);
    JsonObject json = new JsonObject(results.get(0).substring("RESULT ".length()));
    assertThat(json.getString("scenario")).isEqualTo("fanout");
    assertThat(json.getLong("lost")).isZero();
    assertThat(json.getJsonObject("labels").getString("pin")).isEqualTo("test");
    assertThat(json.getJsonObject("machine").getInteger("cpus")).isPositive();
  }

  @Test
  void unknownOptionIsRefused() {
    PrintStream out = quiet();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Bench.run(new String[] {"fanout", "port=1", "Q=3"}, out))
        .isInstanceOf(BenchException.class).hasMessageContaining("Q");
  }

  @Test
  void unreachableServerFailsClearly() {
    // A port nobody listens on (the server's port is taken by it; pick another closed one).
    FanoutScenario.Config c = tinyFanout();
    c.subscribers = 2;
    c.channels = 1;
    Target nowhere = new Target("127.0.0.1", closedPort(), KEY);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> FanoutScenario.run(nowhere, c))
        .isInstanceOf(BenchException.class).hasMessageContaining("subscribers connected");
  }

  private static int closedPort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void assertNonNegative(Result r, String... keys) {
    for (String k : keys) {
      assertThat(r.fields()).containsKey(k);
      assertThat(r.number(k)).as(k).isGreaterThanOrEqualTo(0);
    }
  }

  private static PrintStream quiet() {
    return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
  }

  /**
   * The floor (scripts/bench server=floor): a raw-Netty writer of the same frames, no protocol,
   * driven by the same client. It delivers exactly what was sent, in order, over both publish paths,
   * and its own count of deliveries is the client's.
   */
  @Test
  @SuppressWarnings("unchecked")
  void floorServerDeliversExactlyWhatWasSent() {
    TributaryOptions o = new TributaryOptions();
    o.getHttp().setHost("127.0.0.1").setPort(0);
    o.getServer().setEventLoops(2);
    try (FloorServer floor = FloorServer.start(o)) {
      Target t = new Target("127.0.0.1", floor.port(), KEY);
      for (String via : List.of("ws", "http")) {
        FanoutScenario.Config c = tinyFanout();
        c.publishVia = via;
        c.httpConnections = 2;
        long before = floor.deliveries();
        Result r = FanoutScenario.run(t, c);
        assertThat(r.get("publishVia")).isEqualTo(via);
        assertNothingLost(r);
        long received = (Long) r.get("receivedDeliveries");
        assertThat(((Number) ((Map<String, Object>) r.get("latencyMs")).get("count")).longValue()).as(via).isPositive();
        Poll.until("the floor's count reaches the client's", 10, () -> floor.deliveries() - before >= received);
        assertThat(floor.deliveries() - before).as(via + ": deliveries the floor wrote").isEqualTo(received);
      }
    }
  }
}
