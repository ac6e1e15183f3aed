package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.testing.LeakCounter;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Regression: outbound batches are pooled direct buffers; writing them through Vert.x's
 * {@code writeFrame} wrapped them unreleasable, so every frame leaked its pooled buffer (found
 * with paranoid leak detection). Frames now go straight into the Netty pipeline. This test tracks
 * every buffer, pushes traffic through replies, pushes and pings, then forces collection and fails
 * on any LEAK report.
 */
class BufferLeakRegressionTest {

  @Test
  void outboundFramesDoNotLeakPooledBuffers() {
    // The surefire execution "leak-check" starts this JVM with -Dio.netty.leakDetection.level=paranoid.
    assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
    int leaksBefore = LeakCounter.count();
    Vertx vertx = Vertx.vertx();
    try (TestServer server = TestServer.start(o -> {
      o.getGateway().getRateLimit().setCommandsPerSecond(0);
      o.getChannels().putNamespace("leak", new NamespaceOptions().setAllowClientPublish(true));
    })) {
      List<WsTestClient> clients = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        WsTestClient c = WsTestClient.open(vertx, server.port);
        c.connect();
        c.subscribe("leak:all");
        clients.add(c);
      }
      for (int i = 0; i < 300; i++) {
        clients.get(i % clients.size()).command("publish",
            new JsonObject().put("channel", "leak:all").put("data", new JsonObject().put("i", i)));
      }
      for (WsTestClient c : clients) {
        int pushes = 0;
        while (pushes < 300) {
          if (c.next().containsKey("push")) {
            pushes++;
          }
        }
      }
      clients.forEach(WsTestClient::close);
    } finally {
      vertx.close().await();
    }
    // Unreferenced tracked buffers are reported when the detector runs on a later allocation.
    for (int i = 0; i < 5; i++) {
      System.gc();
      for (int j = 0; j < 100; j++) {
        ByteBuf probe = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        probe.release();
      }
    }
    assertThat(LeakCounter.count() - leaksBefore).as("Netty LEAK reports").isZero();
  }
}
