package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.TributaryServer;
import dev.tributary.config.TributaryOptions;
import dev.tributary.gateway.GatewayVerticle;
import dev.tributary.testing.RawHttp;
import dev.tributary.testing.ServerProcess;
import dev.tributary.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listening socket: one per node, shared by every gateway instance without SO_REUSEPORT; a
 * second server on a port in use does not start (exit 1, one line naming the port).
 */
class ListenTest {

  @Test
  void secondServerOnAPortInUseExitsWith1NamingThePort(@TempDir Path dir) throws Exception {
    Path first = dir.resolve("first.json");
    Files.writeString(first, "{\"http\":{\"port\":0,\"host\":\"127.0.0.1\"},\"api\":{\"key\":\"k\"},\"server\":{\"eventLoops\":2}}");
    try (ServerProcess a = new ServerProcess(first)) {
      int port = a.awaitPort();
      Path second = dir.resolve("second.json");
      Files.writeString(second, "{\"http\":{\"port\":" + port + ",\"host\":\"127.0.0.1\"},\"api\":{\"key\":\"k\"},\"server\":{\"eventLoops\":2}}");
      try (ServerProcess b = new ServerProcess(second)) {
        assertThat(b.awaitExit(60)).isEqualTo(1);
        assertThat(b.output).filteredOn(l -> l.contains("could not start"))
            .singleElement().asString()
            .endsWith("could not start: http.port " + port + " on 127.0.0.1 is already in use (another server running?)");
        assertThat(b.output).as("no stack trace").noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception"));
      }
      // The first server is untouched: every request still reaches it.
      for (int i = 0; i < 4; i++) {
        RawHttp.Response r = RawHttp.exchange(port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", null, 10_000);
        assertThat(r.status()).isEqualTo(200);
      }
    }
  }

  @Test
  void everyInstanceSharesOneEphemeralPortWithoutReusePort() throws Exception {
    try (TestServer s = TestServer.start(o -> o.getGateway().setInstances(4))) {
      assertThat(s.server.options().getHttp().isReusePort()).isFalse();
      assertThat(s.server.gateway().instances()).hasSize(4)
          .extracting(GatewayVerticle::actualPort).containsOnly(s.port);
      // Connections reach the shared socket (Vert.x hands them round the instances).
      for (int i = 0; i < 8; i++) {
        assertThat(RawHttp.exchange(s.port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", null, 10_000).status()).isEqualTo(200);
      }
    }
  }

  @Test
  void inProcessSecondServerOnThePortFailsWithPortInUse() throws Exception {
    try (TestServer s = TestServer.start()) {
      TributaryOptions o = new TributaryOptions(s.server.options());
      o.getHttp().setPort(s.port);
      TributaryServer second = new TributaryServer(o);
      try {
        assertThatThrownBy(() -> second.start().await(30, TimeUnit.SECONDS))
            .isInstanceOf(TributaryServer.PortInUseException.class)
            .hasMessage("http.port " + s.port + " on 127.0.0.1 is already in use (another server running?)");
      } finally {
        second.stop().await(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void reusePortSharesThePortOnlyWhenAsked() throws Exception {
    try (TestServer s = TestServer.start(o -> o.getHttp().setReusePort(true))) {
      try (TestServer t = TestServer.start(o -> o.getHttp().setReusePort(true).setPort(s.port))) {
        assertThat(t.port).isEqualTo(s.port);
      }
    }
  }
}
