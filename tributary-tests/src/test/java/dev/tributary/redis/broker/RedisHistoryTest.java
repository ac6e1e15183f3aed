package dev.tributary.redis.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.history.HistoryStore;
import dev.tributary.history.HistoryStoreContract;
import dev.tributary.redis.RedisLink;
import dev.tributary.config.RedisSettings;
import dev.tributary.testing.RedisServerExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The history contract against a real redis-server, plus what only the shared store must do. */
class RedisHistoryTest extends HistoryStoreContract {
  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();
  private Vertx vertx;
  private final List<RedisLink> links = new ArrayList<>();
  private final List<RedisBroker> brokers = new ArrayList<>();
  private RedisBroker broker;


  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    broker = node();
    await(links.get(0).send(Request.cmd(Command.FLUSHALL)));
  }

  @AfterEach
  void tearDown() {
    for (RedisBroker b : brokers) {
      await(b.close());
    }
    for (RedisLink l : links) {
      await(l.close());
    }
    await(vertx.close());
  }

  /** A node's broker (its own link and publish connection) on the shared Redis. */
  private RedisBroker node() {
    RedisLink link = new RedisLink(vertx, "r", new RedisSettings().setUrl(redis.url()).setCommandTimeoutMillis(2000)
        .setBreakerMaxFailures(2).setBreakerResetTimeoutMillis(200).setReconnectInitialDelayMillis(20)
        .setReconnectMaxDelayMillis(200).setConnectTimeoutMillis(500), new SimpleMeterRegistry());
    await(link.start());
    links.add(link);
    RedisBroker b = new RedisBroker(vertx, List.of(link), 2000, new SimpleMeterRegistry(), clock, 3600);
    brokers.add(b);
    return b;
  }

  @Override
  protected HistoryStore store() {
    return broker.history();
  }

  @Test
  void twoNodesAppendingAtOnceGetEveryOffsetExactlyOnce() {
    RedisBroker other = node();
    List<Future<HistoryStore.Position>> all = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      all.add(broker.publish("c", Integer.toString(i), null, 1000, 60_000));
      all.add(other.publish("c", Integer.toString(-i), null, 1000, 60_000));
    }
    await(Future.all(all));
    Set<Long> offsets = new TreeSet<>();
    Set<String> epochs = new TreeSet<>();
    for (Future<HistoryStore.Position> f : all) {
      offsets.add(f.result().offset());
      epochs.add(f.result().epoch());
    }
    assertThat(offsets).hasSize(1000).first().isEqualTo(1L);
    assertThat(offsets).last().isEqualTo(1000L);
    assertThat(epochs).hasSize(1);
    assertThat(history("c", 1000, 0, false)).extracting(HistoryStore.Entry::offset)
        .isSortedAccordingTo(Long::compare).hasSize(1000);
  }

  @Test
  void publishedPushesCarryTheirOffsetsInOrderToEveryNode() throws Exception {
    RedisBroker other = node();
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    other.start((channel, push, offset) -> got.add(offset + " " + new String(push, StandardCharsets.UTF_8)));
    await(other.subscribe("c"));
    for (int i = 1; i <= 20; i++) {
      broker.publish("c", "{\"n\":" + i + "}", "{\"user\":\"u\"}", 100, 60_000);
    }
    for (int i = 1; i <= 20; i++) {
      String m = got.poll(10, TimeUnit.SECONDS);
      assertThat(m).isEqualTo(i + " {\"push\":{\"channel\":\"c\",\"pub\":{\"data\":{\"n\":" + i
          + "},\"info\":{\"user\":\"u\"},\"offset\":" + i + "}}}");
    }
    broker.publish("c", "{\"plain\":true}".getBytes(StandardCharsets.UTF_8));
    assertThat(got.poll(10, TimeUnit.SECONDS)).as("no history: offset 0").isEqualTo("0 {\"plain\":true}");
  }

  @Test
  void aLostMetaKeyStartsANewEpoch() {
    String epoch = epoch("c");
    append("c", "1", 10, 60_000);
    await(links.get(0).send(Request.cmd(Command.DEL).arg("tributary.history.meta.{c}")));
    HistoryStore.Position p = await(store().append("c", "2", null, 10, 60_000));
    assertThat(p.epoch()).isNotEqualTo(epoch);
    assertThat(p.offset()).isEqualTo(1);
    assertThat(since("c", 1, epoch, 10).recovered()).isFalse();
    assertThat(history("c", 10, 0, false)).extracting(HistoryStore.Entry::dataJson).containsExactly("2");
  }

  @Test
  void flushedScriptsAreLoadedAgain() {
    append("c", "1", 10, 60_000);
    await(links.get(0).send(Request.cmd(Command.SCRIPT).arg("FLUSH")));
    assertThat(history("c", 10, 0, false)).as("reads fall back to EVAL").hasSize(1);
    // The ordered connection reloads its scripts after a NOSCRIPT: at most the first append fails.
    Future<HistoryStore.Position> first = store().append("c", "2", null, 10, 60_000);
    first.toCompletionStage().toCompletableFuture().handle((r, e) -> null).join();
    long offset = await(store().append("c", "3", null, 10, 60_000)).offset();
    assertThat(offset).isEqualTo(first.succeeded() ? 3 : 2);
  }

  @Test
  void redisDownRefusesAppendsAndReadsWithAnError() throws Exception {
    append("c", "1", 10, 60_000);
    redis.stop();
    try {
      List<Throwable> errors = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        Future<HistoryStore.Position> f = broker.publish("c", "x", null, 10, 60_000);
        f.toCompletionStage().toCompletableFuture().handle((r, e) -> null).get(10, TimeUnit.SECONDS);
        assertThat(f.failed()).as("append while redis is down").isTrue();
        errors.add(f.cause());
        Future<HistoryStore.Page> h = store().history("c", 10, 0, false);
        h.toCompletionStage().toCompletableFuture().handle((r, e) -> null).get(10, TimeUnit.SECONDS);
        assertThat(h.failed()).as("read while redis is down").isTrue();
      }
      assertThat(errors).allMatch(e -> e.getMessage() != null && e.getMessage().contains("history of c"));
    } finally {
      redis.restart();
    }
  }
}
