package dev.tributary.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.net.impl.VertxConnection;
import java.lang.reflect.Field;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The direct write queues are installed with this Vert.x (a version whose internals differ would
 * silently cost ~9 KB per idle connection again), and a WebSocket works as before with them.
 */
class DirectWriteQueuesTest {
  Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private static String queueClass(VertxConnection c) throws Exception {
    Field f = VertxConnection.class.getDeclaredField("outboundMessageQueue");
    f.setAccessible(true);
    return f.get(c).getClass().getSimpleName();
  }

  @Test
  void directQueuesAndReleasedUpgradeAndTheSocketStillWorks() throws Exception {
    assertThat(DirectWriteQueues.available()).isTrue();
    CompletableFuture<String> httpQueue = new CompletableFuture<>();
    CompletableFuture<String> wsQueue = new CompletableFuture<>();
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setPort(0).setHost("127.0.0.1"))
        .webSocketHandshakeHandler(hs -> {
          VertxConnection c = DirectWriteQueues.connectionOf(hs);
          try {
            assertThat(DirectWriteQueues.install(c)).isTrue();
            httpQueue.complete(queueClass(c));
          } catch (Throwable e) {
            httpQueue.completeExceptionally(e);
          }
          hs.accept();
        })
        .webSocketHandler(ws -> {
          VertxConnection c = DirectWriteQueues.connectionOf(((WebSocketInternal) ws).channelHandlerContext());
          try {
            assertThat(c).isNotNull();
            assertThat(DirectWriteQueues.install(c)).isTrue();
            assertThat(DirectWriteQueues.install(c)).isTrue(); // idempotent
            assertThat(DirectWriteQueues.holdsFactory(((WebSocketInternal) ws).channelHandlerContext())).isTrue();
            assertThat(DirectWriteQueues.releaseUpgrade(((WebSocketInternal) ws).channelHandlerContext())).isTrue();
            assertThat(DirectWriteQueues.holdsFactory(((WebSocketInternal) ws).channelHandlerContext())).isFalse();
            wsQueue.complete(queueClass(c));
          } catch (Throwable e) {
            wsQueue.completeExceptionally(e);
          }
          ws.textMessageHandler(t -> {
            if (t.equals("bye")) {
              ws.close((short) 3008, "slow");
            } else {
              ws.writeTextMessage("echo " + t);
            }
          });
        });
    server.listen().await();
    WebSocketClient client = vertx.createWebSocketClient();
    WebSocket ws = client.connect(server.actualPort(), "127.0.0.1", "/x").await();
    CompletableFuture<String> echo = new CompletableFuture<>();
    CompletableFuture<Short> closed = new CompletableFuture<>();
    ws.textMessageHandler(echo::complete);
    ws.closeHandler(v -> closed.complete(ws.closeStatusCode()));
    ws.writeTextMessage("hi");
    assertThat(echo.get(5, TimeUnit.SECONDS)).isEqualTo("echo hi");
    assertThat(httpQueue.get(5, TimeUnit.SECONDS)).isEqualTo("DirectOutboundMessageQueue");
    assertThat(wsQueue.get(5, TimeUnit.SECONDS)).isEqualTo("DirectOutboundMessageQueue");
    ws.writeTextMessage("bye");
    assertThat(closed.get(10, TimeUnit.SECONDS)).isEqualTo((short) 3008);
  }
}
