package dev.tributary.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testing.FakeClock;
import org.junit.jupiter.api.Test;

class MemoryHistoryTest {
  final FakeClock clock = new FakeClock();
  final MemoryHistory h = new MemoryHistory(100, clock);

  @Test
  void offsetsGrowAndRecoveryReturnsWhatWasMissed() {
    String epoch = h.position("c").epoch();
    for (int i = 1; i <= 5; i++) {
      assertThat(h.append("c", "{\"i\":" + i + "}", null, 10, 60_000).offset()).isEqualTo(i);
    }
    HistoryStore.Recovery r = h.since("c", 2, epoch, 10);
    assertThat(r.recovered()).isTrue();
    assertThat(r.entries()).extracting(HistoryStore.Entry::offset).containsExactly(3L, 4L, 5L);
    assertThat(r.position().offset()).isEqualTo(5);
    assertThat(h.since("c", 5, epoch, 10).entries()).isEmpty();
    assertThat(h.since("c", 5, epoch, 10).recovered()).isTrue();
  }

  @Test
  void wrongEpochOrTrimmedHistoryIsNotRecovered() {
    String epoch = h.position("c").epoch();
    for (int i = 1; i <= 5; i++) {
      h.append("c", "1", null, 3, 60_000);
    }
    assertThat(h.since("c", 1, "other", 10).recovered()).isFalse();
    HistoryStore.Recovery partial = h.since("c", 1, epoch, 10);
    assertThat(partial.recovered()).as("offsets 2 is gone (size 3)").isFalse();
    assertThat(partial.entries()).extracting(HistoryStore.Entry::offset).containsExactly(3L, 4L, 5L);
    assertThat(h.since("c", 2, epoch, 10).recovered()).isTrue();
  }

  @Test
  void oldEntriesExpire() {
    String epoch = h.position("c").epoch();
    h.append("c", "1", null, 10, 1000);
    clock.advanceMillis(2000);
    h.append("c", "2", null, 10, 1000);
    assertThat(h.since("c", 0, epoch, 10).recovered()).isFalse();
    assertThat(h.since("c", 1, epoch, 10).recovered()).isTrue();
    clock.advanceMillis(2000);
    assertThat(h.history("c", 10, 0, false)).isEmpty();
  }

  @Test
  void historyLimitSinceAndReverse() {
    for (int i = 1; i <= 5; i++) {
      h.append("c", Integer.toString(i), null, 10, 60_000);
    }
    assertThat(h.history("c", 2, 0, false)).extracting(HistoryStore.Entry::offset).containsExactly(1L, 2L);
    assertThat(h.history("c", 2, 0, true)).extracting(HistoryStore.Entry::offset).containsExactly(5L, 4L);
    assertThat(h.history("c", 10, 3, false)).extracting(HistoryStore.Entry::offset).containsExactly(4L, 5L);
  }
}
