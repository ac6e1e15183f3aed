package dev.tributary.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ConsistentHashTest {
  @Test
  void spreadsKeysAndMovesFewWhenANodeIsAdded() {
    ConsistentHash<String> three = new ConsistentHash<>(List.of("a", "b", "c"), Function.identity());
    ConsistentHash<String> four = new ConsistentHash<>(List.of("a", "b", "c", "d"), Function.identity());
    Map<String, Integer> counts = new HashMap<>();
    int moved = 0;
    int keys = 30_000;
    for (int i = 0; i < keys; i++) {
      String k = "chat:room" + i;
      String n = three.nodeFor(k);
      counts.merge(n, 1, Integer::sum);
      String m = four.nodeFor(k);
      if (!m.equals(n)) {
        assertThat(m).as("a key only moves to the new node").isEqualTo("d");
        moved++;
      }
    }
    assertThat(counts.values()).allMatch(c -> c > keys / 3 * 0.8 && c < keys / 3 * 1.2);
    assertThat(moved).isBetween((int) (keys * 0.15), (int) (keys * 0.35));
  }

  @Test
  void sameKeySameNodeEveryTime() {
    ConsistentHash<String> ring = new ConsistentHash<>(List.of("x", "y"), Function.identity());
    assertThat(ring.nodeFor("k")).isEqualTo(new ConsistentHash<>(List.of("x", "y"), Function.identity()).nodeFor("k"));
  }
}
