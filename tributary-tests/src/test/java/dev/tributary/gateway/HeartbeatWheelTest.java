package dev.tributary.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testing.FakeClock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeartbeatWheelTest {
  static final class M extends HeartbeatWheel.Member {
    final String name;

    M(String name) {
      this.name = name;
    }
  }

  final FakeClock clock = new FakeClock();
  final List<String> pinged = new ArrayList<>();
  final List<String> missing = new ArrayList<>();
  HeartbeatWheel<M> wheel;

  HeartbeatWheel<M> wheel(int interval, int timeout, HeartbeatWheel<M> holder[]) {
    HeartbeatWheel<M> w = new HeartbeatWheel<>(clock, interval, timeout, new HeartbeatWheel.Listener<>() {
      @Override
      public boolean ping(M m) {
        pinged.add(m.name);
        return true;
      }

      @Override
      public void pongMissing(M m) {
        missing.add(m.name);
        holder[0].remove(m);
      }
    });
    holder[0] = w;
    return w;
  }

  @SuppressWarnings("unchecked")
  HeartbeatWheel<M> make(int interval, int timeout) {
    HeartbeatWheel<M>[] holder = new HeartbeatWheel[1];
    return wheel(interval, timeout, holder);
  }

  @Test
  void pingsEachMemberOncePerInterval() {
    wheel = make(5, 2);
    M a = new M("a");
    wheel.add(a);
    a.pongReceived();
    clock.advanceMillis(4999);
    wheel.advance();
    assertThat(pinged).isEmpty();
    clock.advanceMillis(1);
    wheel.advance();
    assertThat(pinged).containsExactly("a");
    a.pongReceived();
    clock.advanceMillis(5000);
    wheel.advance();
    assertThat(pinged).containsExactly("a", "a");
    assertThat(missing).isEmpty();
  }

  @Test
  void reportsMissingPongAfterTimeout() {
    wheel = make(5, 2);
    M a = new M("a");
    M b = new M("b");
    wheel.add(a);
    wheel.add(b);
    clock.advanceMillis(5000);
    wheel.advance();
    assertThat(pinged).containsExactlyInAnyOrder("a", "b");
    b.pongReceived();
    clock.advanceMillis(1000);
    wheel.advance();
    assertThat(missing).isEmpty();
    clock.advanceMillis(1000);
    wheel.advance();
    assertThat(missing).containsExactly("a");
    assertThat(wheel.size()).isEqualTo(1);
  }

  @Test
  void catchesUpWhenTheTimerIsLate() {
    wheel = make(3, 1);
    wheel.add(new M("a"));
    clock.advanceMillis(10_000);
    wheel.advance();
    assertThat(pinged).containsExactly("a");
    assertThat(missing).containsExactly("a");
  }

  @Test
  void removedMemberIsNotPinged() {
    wheel = make(3, 1);
    M a = new M("a");
    M b = new M("b");
    M c = new M("c");
    wheel.add(a);
    wheel.add(b);
    wheel.add(c);
    wheel.remove(a);
    clock.advanceMillis(3000);
    wheel.advance();
    assertThat(pinged).containsExactlyInAnyOrder("b", "c");
    assertThat(a.isScheduled()).isFalse();
  }

  @Test
  void spreadsMembersAddedInDifferentSeconds() {
    wheel = make(4, 1);
    wheel.add(new M("a"));
    clock.advanceMillis(1000);
    wheel.advance();
    wheel.add(new M("b"));
    clock.advanceMillis(3000);
    wheel.advance();
    assertThat(pinged).containsExactly("a");
    clock.advanceMillis(1000);
    wheel.advance();
    assertThat(pinged).containsExactly("a", "b");
  }
}
