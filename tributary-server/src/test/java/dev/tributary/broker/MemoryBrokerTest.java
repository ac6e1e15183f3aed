package dev.tributary.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.history.HistoryStore;
import dev.tributary.history.MemoryHistory;
import dev.tributary.protocol.ProtocolCodec;
import dev.tributary.support.Clock;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The one-node broker owns history as the Redis one does: a publication with history is appended
 * and handed on with its offset in one step, one without is handed on with offset 0 and kept
 * nowhere, and {@link Broker#history()} is the store the publications went to.
 */
class MemoryBrokerTest {
  record Received(String channel, String push, long offset) {}

  private final List<Received> received = new ArrayList<>();
  private final MemoryBroker broker = new MemoryBroker(new MemoryHistory(16, Clock.SYSTEM));

  MemoryBrokerTest() {
    broker.start((channel, push, offset) -> received.add(new Received(channel, new String(push, StandardCharsets.UTF_8), offset)));
  }

  @Test
  void publicationWithHistoryIsAppendedAndHandedOnWithItsOffset() {
    Future<HistoryStore.Position> first = broker.publish("c", "{\"n\":1}", null, 10, 60_000);
    Future<HistoryStore.Position> second = broker.publish("c", "{\"n\":2}", "{\"user\":\"u\"}", 10, 60_000);

    assertThat(first.result().offset()).isEqualTo(1);
    assertThat(second.result().offset()).isEqualTo(2);
    assertThat(second.result().epoch()).isEqualTo(first.result().epoch()).isNotEmpty();
    assertThat(received).containsExactly(
        new Received("c", new String(ProtocolCodec.publicationPush("c", "{\"n\":1}", null, 1), StandardCharsets.UTF_8), 1),
        new Received("c", new String(ProtocolCodec.publicationPush("c", "{\"n\":2}", "{\"user\":\"u\"}", 2),
            StandardCharsets.UTF_8), 2));
    HistoryStore.Page page = broker.history().history("c", 10, 0, false).result();
    assertThat(page.entries()).extracting(HistoryStore.Entry::dataJson).containsExactly("{\"n\":1}", "{\"n\":2}");
    assertThat(page.position()).isEqualTo(second.result());
  }

  @Test
  void publicationWithoutHistoryIsHandedOnWithOffsetZeroAndKeptNowhere() {
    HistoryStore.Position p = broker.publish("c", "{\"n\":1}", null, 0, 0).result();
    broker.publish("c", "raw".getBytes(StandardCharsets.UTF_8));

    assertThat(p).isEqualTo(Broker.NO_POSITION);
    assertThat(received).extracting(Received::offset).containsExactly(0L, 0L);
    assertThat(received.get(1).push()).isEqualTo("raw");
    assertThat(broker.history().history("c", 10, 0, false).result().entries()).isEmpty();
  }

  @Test
  void answersWhichChannelsHaveSubscribersOnThisNode() {
    broker.subscribe("a");
    broker.subscribe("b");
    broker.unsubscribe("b");

    Future<Set<String>> with = broker.withSubscribers(List.of("a", "b", "c"));
    assertThat(with.isComplete()).isTrue();
    assertThat(with.result()).containsExactly("a");
    assertThat(broker.available("a")).isTrue();
  }
}
