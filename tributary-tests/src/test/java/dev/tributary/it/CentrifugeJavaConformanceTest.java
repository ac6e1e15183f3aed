package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.testing.Poll;
import dev.tributary.testing.TcpProxy;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.github.centrifugal.centrifuge.Client;
import io.github.centrifugal.centrifuge.ConnectedEvent;
import io.github.centrifugal.centrifuge.DisconnectedEvent;
import io.github.centrifugal.centrifuge.EventListener;
import io.github.centrifugal.centrifuge.HistoryOptions;
import io.github.centrifugal.centrifuge.HistoryResult;
import io.github.centrifugal.centrifuge.Options;
import io.github.centrifugal.centrifuge.PresenceResult;
import io.github.centrifugal.centrifuge.PresenceStatsResult;
import io.github.centrifugal.centrifuge.PublicationEvent;
import io.github.centrifugal.centrifuge.PublishResult;
import io.github.centrifugal.centrifuge.Subscription;
import io.github.centrifugal.centrifuge.SubscribedEvent;
import io.github.centrifugal.centrifuge.SubscriptionEventListener;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Protocol conformance with the official Java SDK, {@code io.github.centrifugal:centrifuge-java}
 * 0.4.1 from Maven Central, unchanged. It speaks only the Protobuf variant (subprotocol
 * {@code centrifuge-protobuf}): connect, subscribe, publications from the HTTP API and from a JSON
 * client on the same channel, its own publish reaching the JSON client, presence, presence stats,
 * history, and recovery of the publications missed while its TCP connection was cut (through a
 * {@link TcpProxy}), each exactly once and in order.
 */
class CentrifugeJavaConformanceTest {
  private static final long WAIT = 15;

  /** What the SDK's callbacks saw, handed to the test thread through queues. */
  static final class Recorder extends SubscriptionEventListener {
    final LinkedBlockingQueue<PublicationEvent> publications = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<SubscribedEvent> subscribed = new LinkedBlockingQueue<>();

    @Override
    public void onPublication(Subscription sub, PublicationEvent event) {
      publications.add(event);
    }

    @Override
    public void onSubscribed(Subscription sub, SubscribedEvent event) {
      subscribed.add(event);
    }

    JsonObject nextData() throws InterruptedException {
      PublicationEvent e = publications.poll(WAIT, TimeUnit.SECONDS);
      assertThat(e).as("a publication within %d s", WAIT).isNotNull();
      return new JsonObject(new String(e.getData(), StandardCharsets.UTF_8));
    }

    SubscribedEvent nextSubscribed() throws InterruptedException {
      SubscribedEvent e = subscribed.poll(WAIT, TimeUnit.SECONDS);
      assertThat(e).as("subscribed within %d s", WAIT).isNotNull();
      return e;
    }
  }

  static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(WAIT, TimeUnit.SECONDS);
  }

  static <T> CompletableFuture<T> callback(java.util.function.Consumer<io.github.centrifugal.centrifuge.ResultCallback<T>> call) {
    CompletableFuture<T> f = new CompletableFuture<>();
    call.accept((err, result) -> {
      if (err != null) {
        f.completeExceptionally(err);
      } else {
        f.complete(result);
      }
    });
    return f;
  }

  static void apiPublish(Vertx vertx, int port, JsonObject data) {
    WebClient web = WebClient.create(vertx);
    try {
      int status = web.post(port, "127.0.0.1", "/api/publish").putHeader("X-API-Key", TestServer.API_KEY)
          .sendBuffer(Buffer.buffer(new JsonObject().put("channel", "hist:java").put("data", data).encode()))
          .await().statusCode();
      assertThat(status).isEqualTo(200);
    } finally {
      web.close();
    }
  }

  @Test
  void officialJavaClientWorksUnchangedOverProtobuf() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestServer server = TestServer.start(o -> o.getChannels().putNamespace("hist", new NamespaceOptions()
            .setHistorySize(100).setHistoryTtlSeconds(60).setAllowClientPublish(true).setPresence(true)));
        TcpProxy proxy = TcpProxy.start(server.port);
        WsTestClient json = WsTestClient.open(vertx, server.port)) {
      LinkedBlockingQueue<ConnectedEvent> connected = new LinkedBlockingQueue<>();
      LinkedBlockingQueue<DisconnectedEvent> disconnected = new LinkedBlockingQueue<>();
      Options opts = new Options();
      opts.setMinReconnectDelay(50);
      opts.setMaxReconnectDelay(200);
      Client client = new Client("ws://127.0.0.1:" + proxy.port() + "/connection/websocket", opts, new EventListener() {
        @Override
        public void onConnected(Client c, ConnectedEvent event) {
          connected.add(event);
        }

        @Override
        public void onDisconnected(Client c, DisconnectedEvent event) {
          disconnected.add(event);
        }
      });
      try {
        Recorder rec = new Recorder();
        Subscription sub = client.newSubscription("hist:java", rec);
        client.connect();
        sub.subscribe();
        ConnectedEvent c = connected.poll(WAIT, TimeUnit.SECONDS);
        assertThat(c).as("connected over Protobuf within %d s", WAIT).isNotNull();
        assertThat(c.getClient()).isNotEmpty();
        SubscribedEvent s = rec.nextSubscribed();
        assertThat(s.getRecoverable()).isTrue();
        assertThat(s.getPositioned()).isTrue();

        // 1: from the HTTP API.
        apiPublish(vertx, server.port, new JsonObject().put("n", 1));
        assertThat(rec.nextData()).isEqualTo(new JsonObject().put("n", 1));

        // 2: from a JSON client on the same channel.
        json.connect();
        json.subscribe("hist:java");
        json.reply(json.command("publish", new JsonObject().put("channel", "hist:java")
            .put("data", new JsonObject().put("n", 2))));
        assertThat(rec.nextData()).isEqualTo(new JsonObject().put("n", 2));
        assertThat(json.next().getJsonObject("push").getJsonObject("pub").getJsonObject("data").getInteger("n")).isEqualTo(2);

        // 3: the Java client's own publish reaches the JSON client as JSON.
        PublishResult published = await(callback(cb -> sub.publish("{\"n\":3}".getBytes(StandardCharsets.UTF_8), cb)));
        assertThat(published).isNotNull();
        assertThat(rec.nextData()).isEqualTo(new JsonObject().put("n", 3));
        JsonObject pub = json.next().getJsonObject("push").getJsonObject("pub");
        assertThat(pub.getJsonObject("data")).isEqualTo(new JsonObject().put("n", 3));
        assertThat(pub.getJsonObject("info").getString("client")).isEqualTo(c.getClient());

        PresenceResult presence = await(callback(sub::presence));
        assertThat(presence.getClients()).hasSize(2).containsKey(c.getClient());
        PresenceStatsResult stats = await(callback(sub::presenceStats));
        assertThat(stats.getNumClients()).isEqualTo(2);

        HistoryResult history = await(callback(cb -> sub.history(new HistoryOptions.Builder().withLimit(10).build(), cb)));
        List<Integer> inHistory = new ArrayList<>();
        history.getPublications().forEach(p -> inHistory.add(
            new JsonObject(new String(p.getData(), StandardCharsets.UTF_8)).getInteger("n")));
        assertThat(inHistory).containsExactly(1, 2, 3);
        assertThat(history.getOffset()).isEqualTo(3);
        assertThat(history.getPublications().get(2).getOffset()).isEqualTo(3);

        // The connection is cut; 4 and 5 are published while the client cannot get back.
        proxy.refuse(true);
        proxy.cut();
        Poll.until("the cut connection is closed at the server", WAIT,
            () -> server.server.gateway().connectionCount() == 1);
        apiPublish(vertx, server.port, new JsonObject().put("n", 4));
        apiPublish(vertx, server.port, new JsonObject().put("n", 5));
        proxy.refuse(false);
        SubscribedEvent again = rec.nextSubscribed();
        assertThat(again.wasRecovering()).isTrue();
        assertThat(again.getRecovered()).isTrue();
        apiPublish(vertx, server.port, new JsonObject().put("n", 6));
        List<Integer> seen = new ArrayList<>(List.of(1, 2, 3));
        while (seen.size() < 6) {
          seen.add(rec.nextData().getInteger("n"));
        }
        assertThat(seen).as("every publication exactly once, in order").containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(rec.publications.poll(200, TimeUnit.MILLISECONDS)).as("nothing twice").isNull();
        assertThat(disconnected).as("never disconnected for good (a terminal code)").isEmpty();
      } finally {
        client.close(5000);
      }
    } finally {
      vertx.close().await();
    }
  }
}
