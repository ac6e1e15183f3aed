package dev.tributary.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChannelPatternTest {
  @Test
  void globsMatchAsCentrifugoDocuments() {
    assertThat(ChannelPattern.compile("").test("anything")).isTrue();
    assertThat(ChannelPattern.compile("news:*").test("news:sport")).isTrue();
    assertThat(ChannelPattern.compile("news:*").test("chat:x")).isFalse();
    assertThat(ChannelPattern.compile("ro?m").test("room")).isTrue();
    assertThat(ChannelPattern.compile("ro?m").test("rooom")).isFalse();
    assertThat(ChannelPattern.compile("[a-c]x").test("bx")).isTrue();
    assertThat(ChannelPattern.compile("[!a-c]x").test("bx")).isFalse();
    assertThat(ChannelPattern.compile("{news,chat}:1").test("chat:1")).isTrue();
    assertThat(ChannelPattern.compile("{news,chat}:1").test("talk:1")).isFalse();
    assertThat(ChannelPattern.compile("a.b").test("axb")).isFalse();
    assertThat(ChannelPattern.compile("a\\*").test("a*")).isTrue();
    assertThat(ChannelPattern.compile("a\\*").test("ab")).isFalse();
    assertThat(ChannelPattern.compile("[.]").test(".")).isTrue();
  }

  @Test
  void badPatternsSayWhatIsWrong() {
    assertThatThrownBy(() -> ChannelPattern.compile("[a")).hasMessageContaining("[");
    assertThatThrownBy(() -> ChannelPattern.compile("{a,b")).hasMessageContaining("{");
    assertThatThrownBy(() -> ChannelPattern.compile("a}")).hasMessageContaining("}");
    assertThatThrownBy(() -> ChannelPattern.compile("a\\")).hasMessageContaining("escape");
  }
}
