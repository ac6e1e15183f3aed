package dev.tributary.redis.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.redis.RedisLink;
import dev.tributary.config.RedisSettings;
import dev.tributary.testing.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RedisBroker#withSubscribers}: which of a broadcast's channels some node is subscribed to,
 * asked with {@code PUBSUB NUMSUB} on the Redis each channel is sharded to (two real
 * redis-servers), and "all of them" from a Redis that cannot answer.
 */
class RedisBrokerSubscribersTest {
  private Vertx vertx;
  private RedisServer first;
  private RedisServer second;
  private final List<RedisLink> links = new ArrayList<>();
  private RedisBroker subscriber;
  private RedisBroker asker;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    first = RedisServer.start();
    second = RedisServer.start();
    subscriber = node();
    asker = node();
  }

  @AfterEach
  void tearDown() {
    await(subscriber.close());
    await(asker.close());
    for (RedisLink l : links) {
      await(l.close());
    }
    await(vertx.close());
    first.close();
    second.close();
  }

  /** A node's broker over both Redis instances (its own links). */
  private RedisBroker node() {
    List<RedisLink> mine = new ArrayList<>();
    List<String> urls = List.of(first.url(), second.url());
    for (int i = 0; i < urls.size(); i++) {
      RedisLink link = new RedisLink(vertx, "r" + i, new RedisSettings().setUrl(urls.get(i)).setCommandTimeoutMillis(2000)
          .setBreakerMaxFailures(2).setBreakerResetTimeoutMillis(200).setReconnectInitialDelayMillis(20)
          .setReconnectMaxDelayMillis(200).setConnectTimeoutMillis(500), new SimpleMeterRegistry());
      await(link.start());
      mine.add(link);
    }
    links.addAll(mine);
    RedisBroker b = new RedisBroker(vertx, mine, 2000, new SimpleMeterRegistry(), dev.tributary.support.Clock.SYSTEM, 3600);
    b.start((channel, push, offset) -> { });
    return b;
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void answersTheChannelsSomeNodeSubscribesToOnEitherRedis() {
    List<String> all = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      all.add("ch" + i);
    }
    // Enough subscribed channels that both Redis instances hold some (the ring shards by name).
    List<String> subscribed = new ArrayList<>();
    for (int i = 0; i < 300; i += 7) {
      subscribed.add("ch" + i);
      await(subscriber.subscribe("ch" + i));
    }
    assertThat(subscribed.stream().map(c -> subscriber.linkFor(c).name()).distinct()).hasSize(2);
    Set<String> answer = await(asker.withSubscribers(all));
    assertThat(answer).containsExactlyInAnyOrderElementsOf(subscribed);
    // Unsubscribed everywhere: no longer reported.
    subscriber.unsubscribe("ch0");
    dev.tributary.testing.Poll.until("ch0 unsubscribed in Redis", 10,
        () -> !await(asker.withSubscribers(List.of("ch0", "ch7"))).contains("ch0"));
    assertThat(await(asker.withSubscribers(List.of("ch0", "ch7")))).containsExactly("ch7");
  }

  @Test
  void aRedisThatCannotAnswerReportsAllItsChannels() {
    List<String> all = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      all.add("ch" + i);
    }
    await(subscriber.subscribe("ch1"));
    second.stop();
    Set<String> answer = await(asker.withSubscribers(all));
    // Channels on the stopped Redis: all reported (nothing skipped on a guess); on the other: the truth.
    for (String ch : all) {
      boolean onStopped = asker.linkFor(ch).name().equals("r1");
      if (onStopped || ch.equals("ch1")) {
        assertThat(answer).as(ch).contains(ch);
      } else {
        assertThat(answer).as(ch).doesNotContain(ch);
      }
    }
  }
}
