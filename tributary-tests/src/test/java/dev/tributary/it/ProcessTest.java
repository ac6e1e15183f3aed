package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testing.ServerProcess;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server as a process: config errors exit 2 with one line; SIGTERM shuts down gracefully. */
class ProcessTest {

  @Test
  void badConfigExitsWith2AndOneLineNamingTheKey(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("bad.json");
    Files.writeString(conf, "{\"gateway\":{\"maxConnections\":\"lots\"}}");
    try (ServerProcess p = new ServerProcess(conf)) {
      assertThat(p.awaitExit(60)).isEqualTo(2);
      assertThat(p.output).containsExactly("config: gateway.maxConnections: must be an integer, got \"lots\"");
    }
  }

  @Test
  void sigtermFlushesPendingFramesClosesClientsWith3001AndExits(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("ok.json");
    // A long batch delay: the publication below is still pending when SIGTERM arrives.
    Files.writeString(conf, """
        {"http":{"port":0,"host":"127.0.0.1"},"api":{"key":"k"},
         "server":{"shutdownTimeoutSeconds":5},
         "gateway":{"batch":{"maxDelayMillis":10000}}}
        """);
    Vertx vertx = Vertx.vertx();
    try (ServerProcess p = new ServerProcess(conf)) {
      int port = p.awaitPort();
      WsTestClient c = WsTestClient.open(vertx, port);
      c.connect();
      c.subscribe("last-words");
      WebClient http = WebClient.create(vertx);
      int status = http.post(port, "127.0.0.1", "/api/publish").putHeader("X-API-Key", "k")
          .sendBuffer(Buffer.buffer("{\"channel\":\"last-words\",\"data\":\"bye\"}")).await().statusCode();
      assertThat(status).isEqualTo(200);
      // SIGTERM through the handle: Process.destroy() would also close our end of its stdout.
      assertThat(p.process.toHandle().destroy()).isTrue();
      assertThat(c.next().getJsonObject("push").getJsonObject("pub").getString("data")).isEqualTo("bye");
      assertThat(c.awaitClose()).isEqualTo(3001);
      assertThat(p.awaitExit(20)).isEqualTo(143);
      assertThat(p.output).anyMatch(l -> l.contains("shutdown: closed 1 connection(s) with 3001"));
      http.close();
    } finally {
      vertx.close().await();
    }
  }
}
