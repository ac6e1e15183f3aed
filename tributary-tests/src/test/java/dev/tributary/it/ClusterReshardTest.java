package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testing.Poll;
import dev.tributary.testing.RedisCluster;
import dev.tributary.testing.RedisClusterExtension;
import dev.tributary.testing.RedisServer;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The slot of a channel with history moves to another master (as {@code redis-cli --cluster
 * reshard} moves it: {@code SETSLOT IMPORTING/MIGRATING}, {@code MIGRATE … KEYS}, {@code SETSLOT
 * NODE}) while a backend publishes through node a, one publication after the other, and clients
 * subscribe on node b. Publications are acknowledged throughout the three phases (keys still on the
 * source; keys on the target while the slot is migrating, reached by {@code ASK}; slot moved,
 * reached by {@code MOVED}); every acknowledged publication reaches every subscriber once, in
 * order (live, or recovered after the node moved its sharded subscription).
 */
class ClusterReshardTest {
  @RegisterExtension
  static final RedisClusterExtension cluster = new RedisClusterExtension();
  static Vertx client;
  static WebClient web;
  static final String CHANNEL = "h:reshard";

  @BeforeAll
  static void start() {
    client = Vertx.vertx();
    web = WebClient.create(client);
  }

  @AfterAll
  static void stop() {
    web.close();
    client.close().await();
  }

  @Test
  void movingTheChannelsSlotLosesAndReordersNothing() throws Exception {
    RedisCluster redis = cluster.cluster();
    try (TestServer a = ClusterFailoverTest.node(cluster); TestServer b = ClusterFailoverTest.node(cluster)) {
      List<WsTestClient> subs = new ArrayList<>();
      String epoch = null;
      for (int i = 0; i < 2; i++) {
        WsTestClient s = WsTestClient.open(client, b.port).autoPong();
        s.connect();
        epoch = s.subscribe(CHANNEL).getJsonObject("subscribe").getString("epoch");
        subs.add(s);
      }
      List<Integer> acked = Collections.synchronizedList(new ArrayList<>());
      AtomicInteger refused = new AtomicInteger();
      AtomicBoolean stop = new AtomicBoolean();
      // First publication: the channel's keys exist before the slot moves.
      assertThat(ClusterFailoverTest.publish(web, a.port, CHANNEL, 0).statusCode()).isEqualTo(200);
      acked.add(0);
      Thread publisher = new Thread(() -> {
        for (int i = 1; !stop.get(); i++) {
          HttpResponse<Buffer> r = ClusterFailoverTest.publish(web, a.port, CHANNEL, i);
          if (r.statusCode() == 200) {
            acked.add(i);
          } else {
            refused.incrementAndGet();
          }
        }
      }, "reshard-publisher");
      publisher.start();
      try {
        int slot = redis.slotOf("tributary.history.{" + CHANNEL + "}");
        RedisServer from = redis.masterOf(slot);
        RedisServer to = redis.otherMaster(from);
        // Before each MIGRATE step (keys on the source, then on the target with the slot still
        // migrating) and after the move: some publications are acknowledged meanwhile.
        Runnable someAcked = () -> {
          int n = acked.size();
          Poll.until("3 more publications acknowledged", 20, () -> acked.size() >= n + 3);
        };
        redis.migrate(slot, from, to, 10, someAcked);
        someAcked.run();
        assertThat(redis.masterOf(slot)).isSameAs(to);
      } finally {
        stop.set(true);
        publisher.join(30_000);
      }
      assertThat(publisher.isAlive()).isFalse();
      List<Integer> done = List.copyOf(acked);
      int recovered = 0;
      for (WsTestClient s : subs) {
        recovered += ClusterFailoverTest.receivedAll(s, CHANNEL, epoch, done);
        s.close();
      }
      System.out.printf("[cluster reshard] acknowledged=%d refused=%d recovered=%d (over %d subscribers)%n",
          done.size(), refused.get(), recovered, subs.size());
    }
  }
}
