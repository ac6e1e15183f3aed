package dev.tributary.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SecretsTest {
  @Test
  void matchesOnlyTheSameSecret() {
    assertThat(Secrets.matches("key", "key")).isTrue();
    assertThat(Secrets.matches("key", "kez")).isFalse();
    assertThat(Secrets.matches("key", "key2")).isFalse();
    assertThat(Secrets.matches("key", "")).isFalse();
    assertThat(Secrets.matches("key", null)).isFalse();
    assertThat(Secrets.matches(null, "key")).isFalse();
    assertThat(Secrets.matches(null, null)).isFalse();
  }
}
