package dev.tributary.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class PriorityTest {

  @Test
  void parsesTheFourLowercaseWireNames() {
    assertThat(Priority.parse("low")).isEqualTo(Priority.LOW);
    assertThat(Priority.parse("medium")).isEqualTo(Priority.MEDIUM);
    assertThat(Priority.parse("high")).isEqualTo(Priority.HIGH);
    assertThat(Priority.parse("critical")).isEqualTo(Priority.CRITICAL);
    for (Priority p : Priority.values()) {
      assertThat(Priority.parse(p.wireName())).isEqualTo(p);
    }
  }

  @Test
  void rejectsOtherSpellingsWithAMessageNamingTheChoices() {
    for (String bad : new String[] {"LOW", "Critical", " high", "", "urgent"}) {
      assertThat(Priority.parseOrNull(bad)).isNull();
      assertThatThrownBy(() -> Priority.parse(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("low, medium, high, critical");
    }
    assertThat(Priority.parseOrNull(null)).isNull();
    assertThatThrownBy(() -> Priority.parse(null)).hasMessageEndingWith("got: null");
    assertThatThrownBy(() -> Priority.parse("x".repeat(100))).hasMessageContaining("…");
  }

  @Test
  void rankSortsCriticalFirst() {
    List<Priority> ps = new ArrayList<>(List.of(Priority.LOW, Priority.CRITICAL, Priority.MEDIUM, Priority.HIGH));
    ps.sort(Comparator.comparingInt(Priority::rank));
    assertThat(ps).containsExactly(Priority.CRITICAL, Priority.HIGH, Priority.MEDIUM, Priority.LOW);
  }

  @Test
  void maxIsTheMoreUrgent() {
    assertThat(Priority.LOW.max(Priority.HIGH)).isEqualTo(Priority.HIGH);
    assertThat(Priority.CRITICAL.max(Priority.MEDIUM)).isEqualTo(Priority.CRITICAL);
    assertThat(Priority.MEDIUM.max(Priority.MEDIUM)).isEqualTo(Priority.MEDIUM);
    assertThat(Priority.HIGH.isAtLeast(Priority.MEDIUM)).isTrue();
    assertThat(Priority.HIGH.isAtLeast(Priority.HIGH)).isTrue();
    assertThat(Priority.LOW.isAtLeast(Priority.MEDIUM)).isFalse();
  }
}
