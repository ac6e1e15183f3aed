package dev.tributary.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.batch.BatchBuffer.FlushReason;
import dev.tributary.bus.Priority;
import dev.tributary.testing.FakeClock;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchBufferTest {
  private final FakeClock clock = new FakeClock();
  private final BatchBuffer<String> buf = new BatchBuffer<>(clock);

  private long now() {
    return clock.monotonicMillis();
  }

  @Test
  void flushesWhenTheWindowHasPassed() {
    assertThat(buf.nextDeadlineMillis()).isEqualTo(-1);
    assertThat(buf.add("a", "m", Priority.MEDIUM)).isFalse();
    assertThat(buf.nextDeadlineMillis()).isEqualTo(now() + 100);
    clock.advanceMillis(99);
    assertThat(buf.shouldFlush()).isFalse();
    clock.advanceMillis(1);
    assertThat(buf.shouldFlush()).isTrue();

    assertThat(buf.flush()).containsExactly("a");
    assertThat(buf.flushes(FlushReason.WINDOW)).isEqualTo(1);
    assertThat(buf.isEmpty()).isTrue();
    assertThat(buf.nextDeadlineMillis()).isEqualTo(-1);
    assertThat(buf.shouldFlush()).isFalse();
  }

  @Test
  void windowCountsFromTheFirstItemOfTheBatch() {
    buf.add("a", "m", Priority.LOW);
    long deadline = buf.nextDeadlineMillis();
    clock.advanceMillis(60);
    assertThat(buf.add("b", "m", Priority.LOW)).isFalse();
    assertThat(buf.nextDeadlineMillis()).isEqualTo(deadline);
    clock.advanceMillis(40);
    assertThat(buf.add("c", "m", Priority.LOW)).isTrue(); // the window passed: flush now
    assertThat(buf.flush()).containsExactly("a", "b", "c");

    buf.add("d", "m", Priority.LOW); // a new batch opens a new window
    assertThat(buf.nextDeadlineMillis()).isEqualTo(now() + 100);
  }

  @Test
  void flushesWhenTheBatchIsFull() {
    buf.setMaxSize(3);
    assertThat(buf.add("a", "m", Priority.LOW)).isFalse();
    assertThat(buf.add("b", "m", Priority.LOW)).isFalse();
    assertThat(buf.add("c", "m", Priority.LOW)).isTrue();
    assertThat(buf.flush()).containsExactly("a", "b", "c");
    assertThat(buf.flushes(FlushReason.SIZE)).isEqualTo(1);
    assertThat(buf.flushes(FlushReason.WINDOW)).isZero();
  }

  @Test
  void defaultSizeBoundIsFifty() {
    for (int i = 1; i < 50; i++) {
      assertThat(buf.add("x" + i, "m", Priority.HIGH)).isFalse();
    }
    assertThat(buf.add("x50", "m", Priority.HIGH)).isTrue();
    assertThat(buf.flush()).hasSize(50);
  }

  @Test
  void aCriticalItemFlushesTheBatchAtOnce() {
    buf.add("a", "m", Priority.HIGH);
    assertThat(buf.add("now", "n", Priority.CRITICAL)).isTrue();
    assertThat(buf.flush()).containsExactly("now", "a");
    assertThat(buf.flushes(FlushReason.CRITICAL)).isEqualTo(1);
    // the next batch does not inherit the critical flag
    assertThat(buf.add("b", "m", Priority.LOW)).isFalse();
  }

  @Test
  void ordersByPriorityThenTimeAndGroupsByModule() {
    buf.add("a:low", "a", Priority.LOW);
    clock.advanceMillis(1);
    buf.add("b:high", "b", Priority.HIGH);
    clock.advanceMillis(1);
    buf.add("c:medium", "c", Priority.MEDIUM);
    clock.advanceMillis(1);
    buf.add("b:low", "b", Priority.LOW);
    clock.advanceMillis(1);
    buf.add("a:critical", "a", Priority.CRITICAL);

    // module a holds the most urgent item, so its group goes first; b's best is high, c's medium
    assertThat(buf.flush()).containsExactly("a:critical", "a:low", "b:high", "b:low", "c:medium");
  }

  @Test
  void withinAPriorityEarlierItemsGoFirstAndModulesFollowTheirEarliestItem() {
    buf.add("x1", "x", Priority.MEDIUM);
    buf.add("y1", "y", Priority.MEDIUM);
    buf.add("x2", "x", Priority.MEDIUM);
    buf.add("y2", "y", Priority.HIGH);
    buf.add("z1", "z", Priority.MEDIUM);
    assertThat(buf.flush()).containsExactly("y2", "y1", "x1", "x2", "z1");
  }

  @Test
  void givenEnqueueTimesOrderItemsOfEqualPriority() {
    long t = now();
    buf.add("newer", "m", Priority.MEDIUM, t - 5);
    buf.add("older", "m", Priority.MEDIUM, t - 20);
    buf.add("same-time-second", "m", Priority.MEDIUM, t - 5);
    assertThat(buf.flush()).containsExactly("older", "newer", "same-time-second");
  }

  @Test
  void shrinkingMaxSizeAtRunTimeMakesAFullBatchDue() {
    buf.add("a", "m", Priority.LOW);
    buf.add("b", "m", Priority.LOW);
    assertThat(buf.shouldFlush()).isFalse();
    buf.setMaxSize(2);
    assertThat(buf.shouldFlush()).isTrue();
    assertThat(buf.flush()).containsExactly("a", "b");
    assertThat(buf.flushes(FlushReason.SIZE)).isEqualTo(1);
  }

  @Test
  void changingTheWindowAtRunTimeMovesTheOpenBatchDeadline() {
    buf.add("a", "m", Priority.LOW);
    long opened = now();
    buf.setWindowMillis(50);
    assertThat(buf.nextDeadlineMillis()).isEqualTo(opened + 50);
    clock.advanceMillis(50);
    assertThat(buf.shouldFlush()).isTrue();
    buf.flush();
    buf.setWindowMillis(250);
    buf.add("b", "m", Priority.LOW);
    assertThat(buf.nextDeadlineMillis()).isEqualTo(now() + 250);
  }

  @Test
  void zeroWindowFlushesEveryItem() {
    buf.setWindowMillis(0);
    assertThat(buf.add("a", "m", Priority.LOW)).isTrue();
  }

  @Test
  void anEarlyFlushIsCountedAsForcedAndAnEmptyFlushNotAtAll() {
    assertThat(buf.flush()).isEmpty();
    assertThat(buf.flushes()).isZero();
    buf.add("a", "m", Priority.LOW);
    assertThat(buf.flush()).containsExactly("a");
    assertThat(buf.flushes(FlushReason.FORCED)).isEqualTo(1);
  }

  @Test
  void neverDropsItemsTheOwnerDidNotFlush() {
    buf.setMaxSize(2);
    for (int i = 0; i < 5; i++) {
      buf.add("i" + i, "m", Priority.LOW);
    }
    assertThat(buf.shouldFlush()).isTrue();
    assertThat(buf.size()).isEqualTo(5);
    assertThat(buf.flush()).hasSize(5);
  }

  @Test
  void countersBalance() {
    buf.setMaxSize(4);
    int flushed = 0;
    for (int i = 0; i < 103; i++) {
      if (buf.add("i" + i, "m" + (i % 3), Priority.values()[i % 4])) {
        List<String> out = buf.flush();
        flushed += out.size();
      }
      clock.advanceMillis(7);
    }
    assertThat(buf.added()).isEqualTo(103);
    assertThat(buf.flushedItems()).isEqualTo(flushed);
    assertThat(buf.added()).isEqualTo(buf.flushedItems() + buf.size());
    assertThat(buf.flushes()).isEqualTo(
        buf.flushes(FlushReason.CRITICAL) + buf.flushes(FlushReason.SIZE)
            + buf.flushes(FlushReason.WINDOW) + buf.flushes(FlushReason.FORCED));
  }

  @Test
  void rejectsBadSettings() {
    assertThatThrownBy(() -> buf.setWindowMillis(-1)).hasMessageContaining("windowMillis must be >= 0");
    assertThatThrownBy(() -> buf.setMaxSize(0)).hasMessageContaining("maxSize must be >= 1");
    assertThatThrownBy(() -> buf.add("a", null, Priority.LOW)).isInstanceOf(NullPointerException.class);
  }
}
