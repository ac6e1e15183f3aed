package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testing.Poll;
import dev.tributary.testing.RawWsClient;
import dev.tributary.testing.ServerProcess;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Memory pressure follows the live heap (issue 13 item 11): a server with a 128 MiB heap fills its
 * history until pressure is on (new connections get 1013), the data is then overwritten, and the
 * server, left quiet, leaves pressure within one sweep interval: it does not wait for a collection
 * that nothing would trigger. With Serial (whose old generation keeps its garbage until a full
 * collection) and with G1, with the watermarks docs/CONFIGURATION.md advises for Serial (0.6/0.45).
 */
class MemoryPressureProcessTest {
  private static final int SWEEP_MILLIS = 3000;
  private static final int HISTORY_SIZE = 400;
  /** Each publication keeps about this much in history; 400 of them are ~100 MiB, past the high mark. */
  private static final int PAYLOAD_CHARS = 256 * 1024;

  private final Vertx vertx = Vertx.vertx();
  private final WebClient http = WebClient.create(vertx);

  @AfterEach
  void close() {
    http.close();
    vertx.close().await();
  }

  private JsonObject ready(int port) {
    return http.get(port, "127.0.0.1", "/ready").send().await().bodyAsJsonObject();
  }

  private JsonObject memoryStatus(int port) {
    return http.get(port, "127.0.0.1", "/api/status").putHeader("X-API-Key", "k").send().await()
        .bodyAsJsonObject().getJsonObject("memory");
  }

  private void publish(int port, String data) {
    HttpResponse<Buffer> r = http.post(port, "127.0.0.1", "/api/publish").putHeader("X-API-Key", "k")
        .sendBuffer(Buffer.buffer(new JsonObject().put("channel", "h:big").put("data", data).encode())).await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"-XX:+UseSerialGC", "-XX:+UseG1GC"})
  void pressureGoesOffWithinOneSweepOnceTheDataIsGone(String gc, @TempDir Path dir) throws Exception {
    Path conf = dir.resolve("conf.json");
    Files.writeString(conf, """
        {"http":{"port":0,"host":"127.0.0.1","maxBodyBytes":1048576},"api":{"key":"k"},
         "memory":{"highWatermark":0.6,"lowWatermark":0.45,"heapCheckIntervalMillis":100,"sweepIntervalMillis":%d},
         "channels":{"maxPublicationBytes":524288,"namespaces":{"h":{"historySize":%d,"historyTtlSeconds":3600}}}}
        """.formatted(SWEEP_MILLIS, HISTORY_SIZE));
    try (ServerProcess p = new ServerProcess(conf, List.of("-Xmx128m", gc, "-Xlog:gc:stdout"))) {
      try {
        run(p, gc);
      } finally {
        System.out.println(gc + ": server output:\n" + String.join("\n", p.output));
      }
    }
  }

  private void run(ServerProcess p, String gc) throws Exception {
    {
      int port = p.awaitPort();
      assertThat(ready(port).getBoolean("memoryPressure")).as("no pressure at start").isFalse();

      // Load: history entries, kept live, until the memory manager reports pressure.
      String big = "x".repeat(PAYLOAD_CHARS);
      int published = 0;
      while (!ready(port).getBoolean("memoryPressure")) {
        assertThat(published).as("pressure on before the history is full").isLessThan(HISTORY_SIZE);
        publish(port, big + published);
        published++;
      }
      // Shedding: a new connection is refused with 1013. The live-heap figure that turned pressure on
      // can include garbage a collection then finds (G1 measured 77 MiB, then 56 MiB, 40 ms apart), so
      // pressure may be off again by the time we connect: then the connection is accepted (it answers
      // our connect command), and more data goes in until a connection is refused, bounded by the ring.
      int refusedCode = -1;
      while (refusedCode != 1013) {
        try (RawWsClient c = new RawWsClient(port, 0)) {
          c.sendText("{\"id\":1,\"connect\":{}}");
          RawWsClient.Frame first = c.readFrame();
          if (first.opcode() == 8) {
            refusedCode = first.closeCode();
            assertThat(refusedCode).as("a new connection under pressure").isEqualTo(1013);
            break;
          }
          assertThat(first.text()).as("accepted while pressure was off again").contains("\"connect\"");
        }
        assertThat(published).as("a connection refused before the history is full").isLessThan(HISTORY_SIZE);
        do {
          publish(port, big + published);
          published++;
        } while (!ready(port).getBoolean("memoryPressure") && published < HISTORY_SIZE);
      }

      // The load goes: small publications push every large one out of the ring. Then nothing runs.
      for (int i = 0; i < HISTORY_SIZE; i++) {
        publish(port, "s");
      }
      long gone = System.nanoTime();
      // One sweep interval (the most a GC request waits), plus slack for a busy 2-core machine.
      Poll.until("pressure off within one sweep interval", SWEEP_MILLIS / 1000 + 3,
          () -> !ready(port).getBoolean("memoryPressure"));
      long offMillis = (System.nanoTime() - gone) / 1_000_000;
      JsonObject mem = memoryStatus(port);
      assertThat(mem.getBoolean("underPressure")).isFalse();
      assertThat(mem.getDouble("liveHeapFraction")).isLessThanOrEqualTo(0.45);
      assertThat(mem.getLong("gcsSeen")).isPositive();
      assertThat(p.output).anyMatch(l -> l.contains("memory pressure ON"));
      assertThat(p.output).anyMatch(l -> l.contains("memory pressure OFF"));
      assertThat(p.output).as("0.6, the advice for Serial, fits in the old generation").noneMatch(l -> l.contains("above the old generation"));
      System.out.printf("%s: pressure on after %d publications, off %d ms after the data was gone (gc requests %d)%n",
          gc, published, offMillis, mem.getLong("gcRequests"));

      try (WsTestClient ok = WsTestClient.open(vertx, port)) {
        assertThat(ok.connect().containsKey("connect")).as("connections accepted again").isTrue();
      }
    }
  }

  @org.junit.jupiter.api.Test
  void serialGcWithTheDefaultWatermarksWarnsAtStart(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("conf.json");
    Files.writeString(conf, "{\"http\":{\"port\":0,\"host\":\"127.0.0.1\"}}");
    try (ServerProcess p = new ServerProcess(conf, List.of("-Xmx128m", "-XX:+UseSerialGC"))) {
      p.awaitPort();
      Poll.until("the old-generation warning", 20, () -> p.output.stream().anyMatch(l -> l.contains(
          "memory.highWatermark (105 MiB) is above the old generation's size (Tenured Gen, 85 MiB)")));
    }
  }
}
