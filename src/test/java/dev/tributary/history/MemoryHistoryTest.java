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
}
