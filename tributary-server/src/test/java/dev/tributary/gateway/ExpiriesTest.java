package dev.tributary.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExpiriesTest {
  record Due(String member, String channel, long generation) {}

  @Test
  void firesEntriesDueByNowEarliestFirstAndKeepsTheRest() {
    Expiries<String> e = new Expiries<>();
    e.add(3000, "a", null, 1);
    e.add(1000, "b", "ch", 7);
    e.add(2000, "c", null, 2);
    List<Due> seen = new ArrayList<>();
    e.advance(999, (m, ch, g) -> seen.add(new Due(m, ch, g)));
    assertThat(seen).isEmpty();
    e.advance(2000, (m, ch, g) -> seen.add(new Due(m, ch, g)));
    assertThat(seen).containsExactly(new Due("b", "ch", 7), new Due("c", null, 2));
    assertThat(e.size()).isEqualTo(1);
    seen.clear();
    e.advance(10_000, (m, ch, g) -> seen.add(new Due(m, ch, g)));
    assertThat(seen).containsExactly(new Due("a", null, 1));
    assertThat(e.size()).isZero();
  }

  @Test
  void aLateAdvanceCatchesUpOnEverythingMissed() {
    Expiries<Integer> e = new Expiries<>();
    for (int i = 0; i < 100; i++) {
      e.add(i * 1000L, i, null, i);
    }
    List<Integer> seen = new ArrayList<>();
    e.advance(99_000, (m, ch, g) -> seen.add(m));
    assertThat(seen).hasSize(100).isSorted();
  }
}
