package dev.tributary.memory;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HeapWatchTest {
  @Test
  void startsAtHighEndsAtLowWithoutFlapping() {
    HeapWatch w = new HeapWatch(0.8, 0.6);
    assertThat(w.update(790, 1000)).isFalse();
    assertThat(w.update(800, 1000)).isTrue();
    assertThat(w.underPressure()).isTrue();
    assertThat(w.update(700, 1000)).as("between the marks: still under pressure").isFalse();
    assertThat(w.update(810, 1000)).isFalse();
    assertThat(w.update(600, 1000)).isTrue();
    assertThat(w.underPressure()).isFalse();
    assertThat(w.update(700, 1000)).isFalse();
  }

  @Test
  void watermarksAboveOneAreBytes() {
    HeapWatch w = new HeapWatch(5_000_000, 1_000_000);
    assertThat(w.update(4_999_999, 1L << 30)).isFalse();
    assertThat(w.update(5_000_000, 1L << 30)).isTrue();
    assertThat(w.update(1_000_000, 1L << 30)).isTrue();
  }

  @Test
  void watermarksCanChangeAtRunTime() {
    HeapWatch w = new HeapWatch(0.0002, 0.0001);
    assertThat(w.update(500, 1000)).isTrue();
    w.setWatermarks(0.99, 0.98);
    assertThat(w.update(500, 1000)).isTrue();
    assertThat(w.underPressure()).isFalse();
  }
}
