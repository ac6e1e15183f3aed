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
  public void removeDropsThePublicationsAndKeepsThePosition() {
    String epoch = epoch("r");
    append("r", "1", 10, 60_000);
    append("r", "2", 10, 60_000);
    append("other", "1", 10, 60_000);
    await(store().remove("r"));
    assertThat(history("r", 10, 0, false)).isEmpty();
    assertThat(await(store().position("r"))).isEqualTo(new HistoryStore.Position(epoch, 2));
    assertThat(since("r", 1, epoch, 10).recovered()).as("what was removed cannot be recovered").isFalse();
    assertThat(append("r", "3", 10, 60_000)).as("the stream goes on").isEqualTo(3);
    assertThat(history("r", 10, 0, false)).extracting(HistoryStore.Entry::dataJson).containsExactly("3");
    assertThat(history("other", 10, 0, false)).hasSize(1);
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
    assertThat(history("c", 10, 3, true)).as("reverse since: before it, newest first")
        .extracting(HistoryStore.Entry::offset).containsExactly(2L, 1L);
    assertThat(history("c", 1, 5, true)).extracting(HistoryStore.Entry::offset).containsExactly(4L);
    assertThat(history("c", 10, 1, true)).isEmpty();
    assertThat(history("c", 10, 5, false)).isEmpty();
    assertThat(history("c", 0, 0, false)).isEmpty();
    assertThat(await(store().history("c", 0, 0, false)).position().offset()).isEqualTo(5);
  }

  protected HistoryStore.Page page(String ch, int limit, long since, boolean reverse, long maxBytes) {
    return await(store().history(ch, limit, since, reverse, maxBytes));
  }

  /** Appends {@code n} entries of exactly {@code bytes} reply bytes each (no info). */
  protected void appendSized(String ch, int n, int bytes) {
    for (int i = 0; i < n; i++) {
      append(ch, "\"" + "x".repeat(bytes - HistoryStore.ENTRY_OVERHEAD_BYTES - 2) + "\"", 100, 60_000);
    }
  }

  @Test
  public void aByteBudgetCutsThePageAtTheFirstEntryThatDoesNotFit() {
    appendSized("c", 5, 100);
    HistoryStore.Page two = page("c", 10, 0, false, 250);
    assertThat(two.entries()).extracting(HistoryStore.Entry::offset).containsExactly(1L, 2L);
    assertThat(two.truncated()).isTrue();
    assertThat(two.position().offset()).isEqualTo(5);
    HistoryStore.Page exact = page("c", 10, 0, false, 500);
    assertThat(exact.entries()).hasSize(5);
    assertThat(exact.truncated()).as("everything fit exactly").isFalse();
    HistoryStore.Page byLimit = page("c", 2, 0, false, 10_000);
    assertThat(byLimit.entries()).hasSize(2);
    assertThat(byLimit.truncated()).as("the limit ended it, not the budget").isFalse();
    HistoryStore.Page reverse = page("c", 10, 5, true, 200);
    assertThat(reverse.entries()).extracting(HistoryStore.Entry::offset).containsExactly(4L, 3L);
    assertThat(reverse.truncated()).isTrue();
    HistoryStore.Page none = page("c", 10, 0, false, 99);
    assertThat(none.entries()).isEmpty();
    assertThat(none.truncated()).as("not even the first fits").isTrue();
    assertThat(page("c", 0, 0, false, 0).truncated()).as("position only").isFalse();
  }

  @Test
  public void pagingWithSinceWalksTheWholeStreamInBothDirections() {
    appendSized("c", 7, 100);
    List<Long> forward = new java.util.ArrayList<>();
    long since = 0;
    for (int guard = 0; guard < 10; guard++) {
      HistoryStore.Page p = page("c", 10, since, false, 300);
      if (p.entries().isEmpty()) {
        break;
      }
      p.entries().forEach(e -> forward.add(e.offset()));
      since = p.entries().get(p.entries().size() - 1).offset();
    }
    assertThat(forward).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    List<Long> backward = new java.util.ArrayList<>();
    since = 0;
    for (int guard = 0; guard < 10; guard++) {
      HistoryStore.Page p = page("c", 2, since, true, 10_000);
      if (p.entries().isEmpty()) {
        break;
      }
      p.entries().forEach(e -> backward.add(e.offset()));
      since = p.entries().get(p.entries().size() - 1).offset();
    }
    assertThat(backward).containsExactly(7L, 6L, 5L, 4L, 3L, 2L, 1L);
  }

  @Test
  public void bytesAreCountedInUtf8AndIncludeTheInfo() {
    // "é" is 2 bytes, "€" 3, "😀" 4 (a surrogate pair): the data JSON is 2 + 9 = 11 bytes.
    await(store().append("c", "\"é€😀\"", "{\"u\":1}", 10, 60_000));
    long bytes = HistoryStore.ENTRY_OVERHEAD_BYTES + 11 + 7;
    assertThat(HistoryStore.replyBytes(history("c", 1, 0, false).get(0))).isEqualTo(bytes);
    assertThat(page("c", 1, 0, false, bytes).entries()).hasSize(1);
    assertThat(page("c", 1, 0, false, bytes - 1).entries()).isEmpty();
  }

  @Test
  public void aRecoveryLargerThanTheBudgetReturnsNothingAndSaysSo() {
    String epoch = epoch("c");
    appendSized("c", 5, 100);
    HistoryStore.Recovery fits = await(store().since("c", 2, epoch, 10, 300));
    assertThat(fits.recovered()).isTrue();
    assertThat(fits.tooLarge()).isFalse();
    assertThat(fits.entries()).hasSize(3);
    HistoryStore.Recovery tooLarge = await(store().since("c", 2, epoch, 10, 299));
    assertThat(tooLarge.recovered()).isFalse();
    assertThat(tooLarge.tooLarge()).isTrue();
    assertThat(tooLarge.entries()).as("all or nothing").isEmpty();
    assertThat(tooLarge.position()).isEqualTo(new HistoryStore.Position(epoch, 5));
    HistoryStore.Recovery nothingMissed = await(store().since("c", 5, epoch, 10, 0));
    assertThat(nothingMissed.recovered()).isTrue();
    assertThat(nothingMissed.tooLarge()).isFalse();
  }

  @Test
  public void expiredEntriesAreNeitherReturnedNorCounted() {
    append("c", "1", 10, 1000);
    append("c", "2", 10, 1000);
    clock.advanceMillis(600);
    append("c", "3", 10, 1000);
    append("c", "4", 10, 1000);
    clock.advanceMillis(600);
    assertThat(history("c", 1, 0, false)).extracting(HistoryStore.Entry::offset).containsExactly(3L);
    assertThat(history("c", 10, 0, true)).extracting(HistoryStore.Entry::offset).containsExactly(4L, 3L);
    assertThat(history("c", 10, 4, true)).extracting(HistoryStore.Entry::offset).containsExactly(3L);
    assertThat(page("c", 10, 0, false, 2 * (HistoryStore.ENTRY_OVERHEAD_BYTES + 1)).entries()).hasSize(2);
  }

  @Test
  public void longReadsCrossManyChunksInOrder() {
    for (int i = 1; i <= 300; i++) {
      append("c", Integer.toString(i), 1000, 60_000);
    }
    assertThat(history("c", 300, 0, false)).extracting(HistoryStore.Entry::offset)
        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 300).boxed().toList());
    assertThat(history("c", 1000, 10, true)).extracting(HistoryStore.Entry::offset)
        .containsExactlyElementsOf(java.util.stream.LongStream.iterate(9, o -> o >= 1, o -> o - 1).boxed().toList());
    assertThat(history("c", 250, 0, true)).hasSize(250).first().extracting(HistoryStore.Entry::offset).isEqualTo(300L);
    HistoryStore.Recovery r = since("c", 20, epoch("c"), 1000);
    assertThat(r.recovered()).isTrue();
    assertThat(r.entries()).hasSize(280);
  }
}
