package dev.tributary.history;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MemoryHistoryTest extends HistoryStoreContract {
  final MemoryHistory h = new MemoryHistory(2, clock);

  @Override
  protected HistoryStore store() {
    return h;
  }

  @Test
  void streamCountIsBoundedAndAnEvictedStreamLosesItsEpoch() {
    java.util.Map<String, String> epochs = new java.util.HashMap<>();
    for (int i = 0; i < 20; i++) {
      epochs.put("ch" + i, epoch("ch" + i));
      append("ch" + i, "1", 10, 60_000);
    }
    long kept = epochs.entrySet().stream().filter(e -> since(e.getKey(), 0, e.getValue(), 10).recovered()).count();
    assertThat(kept).as("streams still holding their epoch, bound 2").isLessThanOrEqualTo(2);
  }

  @Test
  public void bytesAreBoundedByDroppingTheLeastRecentlyUsedStreams() {
    long perEntry = MemoryHistory.cost(new HistoryStore.Entry(1, "x".repeat(1000), null, 0));
    MemoryHistory small = new MemoryHistory(1000, perEntry * 25, clock);
    String oldEpoch = await(small.position("old")).epoch();
    await(small.append("old", "x".repeat(1000), null, 100, 60_000));
    for (int c = 0; c < 10; c++) {
      for (int i = 0; i < 5; i++) {
        await(small.append("ch" + c, "x".repeat(1000), null, 100, 60_000));
      }
      assertThat(small.bytes()).as("after channel %d", c).isLessThanOrEqualTo(perEntry * 25);
    }
    assertThat(small.droppedForBytes()).isPositive();
    assertThat(await(small.since("old", 0, oldEpoch, 10)).recovered()).as("the coldest stream went first").isFalse();
    assertThat(await(small.since("ch9", 0, await(small.position("ch9")).epoch(), 10)).entries()).hasSize(5);
    // Trimming by size gives bytes back.
    MemoryHistory trimmed = new MemoryHistory(1000, Long.MAX_VALUE, clock);
    for (int i = 0; i < 50; i++) {
      await(trimmed.append("c", "x".repeat(1000), null, 3, 60_000));
    }
    assertThat(trimmed.bytes()).isEqualTo(3 * perEntry);
  }
}
