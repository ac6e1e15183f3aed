package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.transport.Transport;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each {@code server.transport} starts a server that serves WebSocket and HTTP clients on that transport. */
class TransportTest {
  Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  /** What {@code server.transport} runs on this machine: the asked one, or the next that loads. */
  static String expected(String asked) {
    return switch (asked) {
      case "io_uring" -> Transport.IO_URING.name();
      case "auto" -> (Transport.IO_URING.available() ? Transport.IO_URING
          : Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO).name();
      case "epoll" -> (Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO).name();
      default -> Transport.NIO.name();
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"auto", "io_uring", "epoll", "nio"})
  void eachTransportServesClients(String transport) {
    if (transport.equals("io_uring")) {
      Assumptions.assumeTrue(Transport.IO_URING.available(),
          () -> "io_uring is not available here (kernel or seccomp): " + Transport.IO_URING.unavailabilityCause());
    }
    WebClient web = WebClient.create(vertx);
    try (TestServer s = TestServer.start(o -> o.getServer().setTransport(transport));
         WsTestClient c = WsTestClient.open(vertx, s.port)) {
      assertThat(s.server.transport()).isEqualTo(expected(transport));
      c.connect();
      c.subscribe("t");
      int status = web.post(s.port, "127.0.0.1", "/api/publish").putHeader("X-API-Key", TestServer.API_KEY)
          .sendBuffer(Buffer.buffer(new JsonObject().put("channel", "t").put("data", new JsonObject().put("on", transport)).encode()))
          .await().statusCode();
      assertThat(status).isEqualTo(200);
      assertThat(c.next().getJsonObject("push").getJsonObject("pub").getJsonObject("data").getString("on")).isEqualTo(transport);
    } finally {
      web.close();
    }
  }
}
