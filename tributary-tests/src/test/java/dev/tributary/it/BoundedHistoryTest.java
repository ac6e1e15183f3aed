package dev.tributary.it;

import dev.tributary.config.TributaryOptions;

/** {@link BoundedHistoryScenarios} with history in memory (one node: answers complete at once). */
class BoundedHistoryTest extends BoundedHistoryScenarios {
  @Override
  void configureStore(TributaryOptions o) {
    // One node: MemoryHistory.
  }
}
