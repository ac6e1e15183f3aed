package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.TributaryServer;
import dev.tributary.config.ModuleOptions;
import dev.tributary.config.TributaryOptions;
import dev.tributary.testing.Poll;
import dev.tributary.testing.RawHttp;
import dev.tributary.testing.SlowStartModule;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The start-up gate, step by step: while a module is still starting, the listening node answers
 * every request 503 JSON with Retry-After (WebSocket upgrades 503); once every verticle is
 * deployed, it serves.
 */
class StartupGateTest {
  static final String RELEASE = "test.slow-start.release";

  static boolean listening(int port) {
    try (RawHttp h = RawHttp.open(port, 1000)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static void assertNotReady(RawHttp.Response r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(503);
    assertThat(r.header("Retry-After")).isEqualTo("1");
    assertThat(new JsonObject(r.body()).getJsonObject("error").getInteger("code")).isEqualTo(108);
  }

  @Test
  void answers503WithRetryAfterUntilEveryVerticleIsDeployed() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    TributaryOptions o = new TributaryOptions();
    o.getHttp().setHost("127.0.0.1").setPort(port);
    o.getApi().setKey("k");
    o.getServer().setEventLoops(2).setShutdownTimeoutSeconds(5);
    o.getModules().add(new ModuleOptions(SlowStartModule.class.getName(), 1, new JsonObject().put("releaseAddress", RELEASE)));
    TributaryServer server = new TributaryServer(o);
    Future<Integer> started = server.start();
    try {
      Poll.until("the gateway listens", 30, () -> listening(port));
      assertThat(started.isComplete()).isFalse();
      assertNotReady(RawHttp.exchange(port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", null, 10_000));
      assertNotReady(RawHttp.exchange(port, "GET /ready HTTP/1.1\r\nHost: x\r\n\r\n", null, 10_000));
      assertNotReady(RawHttp.exchange(port, "POST /api/publish HTTP/1.1\r\nHost: x\r\nX-API-Key: k\r\nContent-Length: 27\r\n\r\n",
          "{\"channel\":\"c\",\"data\":\"x\"}".getBytes(), 10_000));
      RawHttp.Response ws = RawHttp.exchange(port, "GET /connection/websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", null, 10_000);
      assertThat(ws.status()).isEqualTo(503);

      server.vertx().eventBus().send(RELEASE, "go");
      assertThat(started.await(30, TimeUnit.SECONDS)).isEqualTo(port);
      assertThat(RawHttp.exchange(port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", null, 10_000).status()).isEqualTo(200);
    } finally {
      server.stop().await(30, TimeUnit.SECONDS);
    }
  }
}
