package dev.tributary.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TtlPolicyTest {

  @Test
  void longestMatchingPrefixWinsElseTheDefault() {
    TtlPolicy p = TtlPolicy.of(Duration.ofMinutes(5))
        .with("state:", Duration.ofSeconds(5))
        .with("query:", Duration.ofMinutes(1))
        .with("state:hot:", Duration.ofMillis(500));
    assertThat(p.ttlFor("state:chat\0m\0k")).isEqualTo(Duration.ofSeconds(5));
    assertThat(p.ttlFor("state:hot:x")).isEqualTo(Duration.ofMillis(500));
    assertThat(p.ttlFor("query:abc")).isEqualTo(Duration.ofMinutes(1));
    assertThat(p.ttlFor("validation:abc")).isEqualTo(Duration.ofMinutes(5));
    assertThat(p.prefixes().keySet()).containsExactly("state:hot:", "state:", "query:");
  }

  @Test
  void replacingAPrefixKeepsOneEntry() {
    TtlPolicy p = TtlPolicy.of(Duration.ofMinutes(5)).with("q:", Duration.ofSeconds(1)).with("q:", Duration.ofSeconds(2));
    assertThat(p.prefixes()).hasSize(1);
    assertThat(p.ttlFor("q:1")).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void refusesNonPositiveTtls() {
    assertThatThrownBy(() -> TtlPolicy.of(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TtlPolicy.of(Duration.ofSeconds(1)).with("a:", Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
