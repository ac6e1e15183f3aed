package dev.tributary.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testing.FakeClock;
import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What every {@link HistoryStore} must do; run against the in-memory and the Redis store. */
public abstract class HistoryStoreContract {
  protected final FakeClock clock = new FakeClock();

  /** The store under test, reading time from {@link #clock}. */
  protected abstract HistoryStore store();

  protected static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  protected long append(String ch, String data, int size, long ttl) {
    return await(store().append(ch, data, null, size, ttl)).offset();
  }

  protected String epoch(String ch) {
    return await(store().position(ch)).epoch();
  }

  protected HistoryStore.Recovery since(String ch, long offset, String epoch, int max) {
    return await(store().since(ch, offset, epoch, max));
  }

  protected List<HistoryStore.Entry> history(String ch, int limit, long since, boolean reverse) {
    return await(store().history(ch, limit, since, reverse)).entries();
  }

  @Test
  public void offsetsGrowAndRecoveryReturnsWhatWasMissed() {
    String epoch = epoch("c");
    for (int i = 1; i <= 5; i++) {
      assertThat(await(store().append("c", "{\"i\":" + i + "}", "{\"user\":\"u\"}", 10, 60_000)))
          .isEqualTo(new HistoryStore.Position(epoch, i));
    }
    HistoryStore.Recovery r = since("c", 2, epoch, 10);
    assertThat(r.recovered()).isTrue();
    assertThat(r.entries()).extracting(HistoryStore.Entry::offset).containsExactly(3L, 4L, 5L);
    assertThat(r.entries()).extracting(HistoryStore.Entry::dataJson).containsExactly("{\"i\":3}", "{\"i\":4}", "{\"i\":5}");
    assertThat(r.entries().get(0).infoJson()).isEqualTo("{\"user\":\"u\"}");
    assertThat(r.position()).isEqualTo(new HistoryStore.Position(epoch, 5));
    assertThat(since("c", 5, epoch, 10).entries()).isEmpty();
    assertThat(since("c", 5, epoch, 10).recovered()).isTrue();
    assertThat(since("c", 6, epoch, 10).recovered()).as("a position ahead of the stream").isFalse();
  }

  @Test
  public void channelsHaveIndependentStreams() {
    append("a", "1", 10, 60_000);
    append("a", "2", 10, 60_000);
    assertThat(append("b", "1", 10, 60_000)).isEqualTo(1);
    assertThat(epoch("a")).isNotEqualTo(epoch("b"));
    assertThat(history("b", 10, 0, false)).extracting(HistoryStore.Entry::dataJson).containsExactly("1");
  }

  @Test
  public void wrongEpochOrTrimmedHistoryIsNotRecovered() {
    String epoch = epoch("c");
    for (int i = 1; i <= 5; i++) {
      append("c", Integer.toString(i), 3, 60_000);
    }
    assertThat(since("c", 1, "other", 10).recovered()).isFalse();
    assertThat(since("c", 1, null, 10).recovered()).isFalse();
    HistoryStore.Recovery partial = since("c", 1, epoch, 10);
    assertThat(partial.recovered()).as("offset 2 is gone (size 3)").isFalse();
    assertThat(partial.entries()).extracting(HistoryStore.Entry::offset).containsExactly(3L, 4L, 5L);
    assertThat(since("c", 2, epoch, 10).recovered()).isTrue();
    assertThat(since("c", 2, epoch, 2).recovered()).as("more missed than the client may take").isFalse();
  }

  @Test
  public void oldEntriesExpire() {
    String epoch = epoch("c");
    append("c", "1", 10, 1000);
    clock.advanceMillis(2000);
    append("c", "2", 10, 1000);
    assertThat(since("c", 0, epoch, 10).recovered()).isFalse();
    assertThat(since("c", 1, epoch, 10).recovered()).isTrue();
    clock.advanceMillis(2000);
    assertThat(history("c", 10, 0, false)).isEmpty();
    assertThat(since("c", 2, epoch, 10).recovered()).as("nothing missed: the position still holds").isTrue();
  }

  @Test
  public void historyLimitSinceAndReverse() {
    for (int i = 1; i <= 5; i++) {
      append("c", Integer.toString(i), 10, 60_000);
    }
    assertThat(history("c", 2, 0, false)).extracting(HistoryStore.Entry::offset).containsExactly(1L, 2L);
    assertThat(history("c", 2, 0, true)).extracting(HistoryStore.Entry::offset).containsExactly(5L, 4L);
    assertThat(history("c", 10, 3, false)).extracting(HistoryStore.Entry::offset).containsExactly(4L, 5L);
    assertThat(history("c", 10, 3, true)).extracting(HistoryStore.Entry::offset).containsExactly(5L, 4L);
    assertThat(history("c", 0, 0, false)).isEmpty();
    assertThat(await(store().history("c", 0, 0, false)).position().offset()).isEqualTo(5);
  }
}
