package dev.tributary.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenBucketTest {
  @Test
  void allowsBurstThenRefillsAtRate() {
    long t = 0;
    TokenBucket b = new TokenBucket(10, 3, t);
    assertThat(b.tryAcquire(t)).isTrue();
    assertThat(b.tryAcquire(t)).isTrue();
    assertThat(b.tryAcquire(t)).isTrue();
    assertThat(b.tryAcquire(t)).isFalse();
    t += 99_000_000L;
    assertThat(b.tryAcquire(t)).isFalse();
    t += 1_000_000L;
    assertThat(b.tryAcquire(t)).isTrue();
    assertThat(b.tryAcquire(t)).isFalse();
  }

  @Test
  void neverExceedsBurstAfterIdle() {
    TokenBucket b = new TokenBucket(1000, 2, 0);
    long t = 60_000_000_000L;
    assertThat(b.tryAcquire(t)).isTrue();
    assertThat(b.tryAcquire(t)).isTrue();
    assertThat(b.tryAcquire(t)).isFalse();
  }

  @Test
  void zeroRateMeansUnlimited() {
    TokenBucket b = new TokenBucket(0, 1, 0);
    for (int i = 0; i < 1000; i++) {
      assertThat(b.tryAcquire(0)).isTrue();
    }
  }
}
