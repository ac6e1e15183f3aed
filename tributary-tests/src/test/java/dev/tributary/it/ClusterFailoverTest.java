package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.config.NamespaceOptions;
import dev.tributary.testing.RedisCluster;
import dev.tributary.testing.RedisClusterExtension;
import dev.tributary.testing.RedisServer;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real Redis Cluster (3 masters, 3 replicas, 1 s node timeout) under two Tributary nodes; the
 * master owning the test channel's slot is killed with SIGKILL while a backend publishes, one
 * publication after the other, through node a, and clients with history subscribe on node b.
 * Every publication is acknowledged and reaches every subscriber (live, or recovered from history
 * after the node ends their subscription with 2500), or is refused with an error: none is
 * acknowledged and lost, none is seen twice or out of order. Delivery resumes on the promoted
 * replica without restarting Tributary.
 */
class ClusterFailoverTest {
  @RegisterExtension
  static final RedisClusterExtension cluster = new RedisClusterExtension();
  static Vertx client;
  static WebClient web;

  static final String CHANNEL = "h:failover";
  static final int BEFORE = 20;
  static final int AFTER = 20;

  @BeforeAll
  static void start() {
    client = Vertx.vertx();
    web = WebClient.create(client, new WebClientOptions().setIdleTimeout(30));
  }

  @AfterAll
  static void stop() {
    web.close();
    client.close().await();
  }

  static TestServer node() {
    return node(cluster);
  }

  /** A node on {@code on} with short Redis timeouts and a namespace {@code h} with history. */
  static TestServer node(RedisClusterExtension on) {
    return TestServer.start(o -> {
      on.configure(o.getRedis());
      o.getRedis().getLink().setCommandTimeoutMillis(1000).setBreakerResetTimeoutMillis(300)
          .setReconnectInitialDelayMillis(20).setReconnectMaxDelayMillis(300);
      o.getGateway().getRateLimit().setCommandsPerSecond(0);
      o.getChannels().putNamespace("h", new NamespaceOptions().setHistorySize(10_000).setHistoryTtlSeconds(300));
    });
  }

  static HttpResponse<Buffer> publish(int port, int data) {
    return publish(web, port, CHANNEL, data);
  }

  static HttpResponse<Buffer> publish(WebClient web, int port, String channel, int data) {
    return web.post(port, "127.0.0.1", "/api/publish").putHeader("X-API-Key", TestServer.API_KEY).timeout(10_000)
        .sendBuffer(Buffer.buffer(new JsonObject().put("channel", channel).put("data", data).encode())).await();
  }

  /**
   * Reads {@code s}'s pushes of {@code channel} until the last of {@code acked}, doing what
   * centrifuge-js does on an unsubscribe push 2500 (subscribe again, recovering from the last
   * offset), and checks that every acknowledged publication is there once, in publish order
   * (publications are increasing integers). Returns how many came by recovery.
   */
  static int receivedAll(WsTestClient s, String channel, String epoch, List<Integer> acked) {
    int last = acked.get(acked.size() - 1);
    int recovered = 0;
    List<Integer> got = new ArrayList<>();
    long offset = 0;
    while (got.isEmpty() || got.get(got.size() - 1) != last) {
      JsonObject push = s.next().getJsonObject("push");
      assertThat(push).as("pushes only").isNotNull();
      if (push.containsKey("unsubscribe")) {
        assertThat(push.getJsonObject("unsubscribe").getInteger("code")).isEqualTo(2500);
        long from = offset;
        // A node whose Redis link is still settling refuses with a temporary error (100): the
        // client subscribes again, as centrifuge-js does after its backoff.
        JsonObject reply = dev.tributary.testing.Poll.until("subscribe of " + channel + " answered", 20,
            () -> s.reply(s.command("subscribe", new JsonObject().put("channel", channel)
                .put("recover", true).put("offset", from).put("epoch", epoch))),
            x -> {
              if (x.containsKey("subscribe")) {
                return true;
              }
              assertThat(x.getJsonObject("error")).as("only a temporary refusal: %s", x).isNotNull();
              assertThat(x.getJsonObject("error").getBoolean("temporary")).as("temporary: %s", x).isTrue();
              return false;
            });
        JsonObject r = reply.getJsonObject("subscribe");
        assertThat(r.getBoolean("recovered")).as("recovered from history: %s", r).isTrue();
        for (Object o : r.getJsonArray("publications", new JsonArray())) {
          got.add(((JsonObject) o).getInteger("data"));
          offset = ((JsonObject) o).getLong("offset");
          recovered++;
        }
      } else {
        got.add(push.getJsonObject("pub").getInteger("data"));
        offset = push.getJsonObject("pub").getLong("offset");
      }
    }
    assertThat(got).as("strictly increasing: no duplicate, no reordering").isSorted().doesNotHaveDuplicates();
    assertThat(got).as("every acknowledged publication delivered or recovered").containsAll(acked);
    return recovered;
  }

  @Test
  void killingTheChannelsMasterLosesNoAcknowledgedPublication() {
    RedisCluster redis = cluster.cluster();
    try (TestServer a = node(); TestServer b = node()) {
      List<WsTestClient> subs = new ArrayList<>();
      String epoch = null;
      for (int i = 0; i < 2; i++) {
        WsTestClient s = WsTestClient.open(client, b.port).autoPong();
        s.connect();
        epoch = s.subscribe(CHANNEL).getJsonObject("subscribe").getString("epoch");
        subs.add(s);
      }
      int slot = redis.slotOf("tributary.history.{" + CHANNEL + "}");
      RedisServer master = redis.masterOf(slot);

      List<Integer> acked = new ArrayList<>();
      int refused = 0;
      int next = 1;
      long killedAt = 0;
      long resumedAt = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        if (killedAt == 0 && acked.size() == BEFORE) {
          redis.kill9(master);
          killedAt = System.nanoTime();
        }
        int data = next++;
        HttpResponse<Buffer> r = publish(a.port, data);
        if (r.statusCode() == 200) {
          acked.add(data);
          if (killedAt != 0 && resumedAt == 0) {
            resumedAt = System.nanoTime();
          }
          if (acked.size() == BEFORE + AFTER + 1) {
            break;
          }
        } else {
          // The existing temporary refusal: 503 with a reason, never an acknowledgement.
          assertThat(r.statusCode()).as("refusal %s", r.bodyAsString()).isEqualTo(503);
          refused++;
        }
      }
      assertThat(acked).as("publications acknowledged again after the failover, within 60 s").hasSize(BEFORE + AFTER + 1);
      RedisServer promoted = redis.awaitFailover(slot, master);
      assertThat(promoted).isNotSameAs(master);

      int recovered = 0;
      for (WsTestClient s : subs) {
        recovered += receivedAll(s, CHANNEL, epoch, acked);
      }
      // Delivery is live again, without restarting anything.
      assertThat(publish(a.port, next).statusCode()).isEqualTo(200);
      for (WsTestClient s : subs) {
        assertThat(s.next().getJsonObject("push").getJsonObject("pub").getInteger("data")).isEqualTo(next);
        s.close();
      }
      System.out.printf("[cluster failover] acknowledged=%d refused=%d recovered=%d (over %d subscribers) "
              + "resumedAfterMillis=%d (kill -9 of the channel's master to the first acknowledgement after it)%n",
          acked.size(), refused, recovered, subs.size(), TimeUnit.NANOSECONDS.toMillis(resumedAt - killedAt));
    }
  }
}
