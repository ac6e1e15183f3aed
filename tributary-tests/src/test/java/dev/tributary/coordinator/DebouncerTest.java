package dev.tributary.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.bus.Priority;
import dev.tributary.coordinator.Debouncer.Entry;
import dev.tributary.coordinator.Debouncer.Offer;
import dev.tributary.testing.FakeClock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DebouncerTest {
  private final FakeClock clock = new FakeClock();
  private final Debouncer<String, String> d = new Debouncer<>(clock);

  private long now() {
    return clock.monotonicMillis();
  }

  private static List<String> keys(List<Entry<String, String>> entries) {
    return entries.stream().map(Entry::key).toList();
  }

  private void assertCountersBalance() {
    assertThat(d.offered()).isEqualTo(d.coalesced() + d.emitted() + d.cancelled() + d.pending());
  }

  @Test
  void coalescesABurstIntoOneEmissionOfTheLatestValue() {
    assertThat(d.offer("k", "a", Priority.MEDIUM)).isEqualTo(Offer.SCHEDULED);
    clock.advanceMillis(100);
    assertThat(d.offer("k", "b", Priority.MEDIUM)).isEqualTo(Offer.COALESCED);
    clock.advanceMillis(100);
    assertThat(d.offer("k", "c", Priority.MEDIUM)).isEqualTo(Offer.COALESCED);
    long firstOffer = now() - 200;

    clock.advanceMillis(299);
    assertThat(d.due()).isEmpty();
    assertThat(d.pending()).isEqualTo(1);
    clock.advanceMillis(1);
    List<Entry<String, String>> out = d.due();

    assertThat(out).containsExactly(new Entry<>("k", "c", Priority.MEDIUM, 3, firstOffer));
    assertThat(d.pending()).isZero();
    assertThat(d.nextDeadlineMillis()).isEqualTo(-1);
    assertThat(d.offered()).isEqualTo(3);
    assertThat(d.coalesced()).isEqualTo(2);
    assertThat(d.emitted()).isEqualTo(1);
    assertCountersBalance();
  }

  @Test
  void deadlineIsTrailingEdgeOfTheLastOffer() {
    d.offer("k", "a", Priority.LOW);
    assertThat(d.nextDeadlineMillis()).isEqualTo(now() + 300);
    clock.advanceMillis(250);
    d.offer("k", "b", Priority.LOW);
    assertThat(d.nextDeadlineMillis()).isEqualTo(now() + 300);
  }

  @Test
  void keysAreDebouncedIndependentlyAndLeaveInDeadlineOrder() {
    d.offer("a", "1", Priority.MEDIUM);
    clock.advanceMillis(10);
    d.offer("b", "1", Priority.MEDIUM);
    clock.advanceMillis(10);
    d.offer("c", "1", Priority.MEDIUM);
    clock.advanceMillis(10);
    d.offer("a", "2", Priority.MEDIUM); // a now due last

    clock.advanceMillis(290); // b's deadline (t0+310) has passed, c's (t0+320) is exactly now
    assertThat(keys(d.due())).containsExactly("b", "c");
    clock.advanceMillis(10);
    List<Entry<String, String>> rest = d.due();
    assertThat(keys(rest)).containsExactly("a");
    assertThat(rest.get(0).value()).isEqualTo("2");
  }

  @Test
  void criticalUpdatesUseTheCriticalDelay() {
    d.offer("k", "x", Priority.CRITICAL);
    assertThat(d.nextDeadlineMillis()).isEqualTo(now() + 50);
    clock.advanceMillis(49);
    assertThat(d.due()).isEmpty();
    clock.advanceMillis(1);
    assertThat(d.due()).extracting(Entry::priority).containsExactly(Priority.CRITICAL);
  }

  @Test
  void pendingPriorityIsTheHighestSinceTheLastEmission() {
    d.offer("k", "crit", Priority.CRITICAL);
    clock.advanceMillis(20);
    d.offer("k", "later-low", Priority.LOW);
    // still critical: the critical delay counts from the latest offer
    assertThat(d.nextDeadlineMillis()).isEqualTo(now() + 50);
    clock.advanceMillis(50);
    assertThat(d.due()).containsExactly(
        new Entry<>("k", "later-low", Priority.CRITICAL, 2, now() - 70));

    d.offer("k", "low-again", Priority.LOW);
    assertThat(d.nextDeadlineMillis()).isEqualTo(now() + 300);
    clock.advanceMillis(300);
    assertThat(d.due()).extracting(Entry::priority).containsExactly(Priority.LOW);
  }

  @Test
  void aCriticalUpdateToAWaitingKeyBringsItsDeadlineForward() {
    d.offer("slow", "1", Priority.MEDIUM);
    clock.advanceMillis(5);
    d.offer("other", "1", Priority.MEDIUM);
    clock.advanceMillis(5);
    d.offer("slow", "2", Priority.CRITICAL);
    assertThat(d.nextDeadlineMillis()).isEqualTo(now() + 50);
    clock.advanceMillis(50);
    assertThat(keys(d.due())).containsExactly("slow");
    assertThat(d.nextDeadlineMillis()).isEqualTo(now() - 55 + 300);
  }

  @Test
  void criticalBypassEmitsAtOnceAndSupersedesThePendingValue() {
    d.setCriticalBypass(true);
    d.offer("k", "old", Priority.MEDIUM);
    d.offer("other", "o", Priority.MEDIUM);

    assertThat(d.offer("k", "now", Priority.CRITICAL)).isEqualTo(Offer.EMIT_NOW);
    assertThat(d.offer("k", "now", Priority.CRITICAL).emitNow()).isTrue();

    assertThat(d.pending()).isEqualTo(1);
    clock.advanceMillis(1_000);
    assertThat(keys(d.due())).containsExactly("other"); // "old" was superseded, not emitted
    assertThat(d.bypassed()).isEqualTo(2);
    assertThat(d.emitted()).isEqualTo(3);
    assertThat(d.coalesced()).isEqualTo(1);
    assertCountersBalance();
  }

  @Test
  void withoutBypassACriticalOfferIsDebounced() {
    assertThat(d.isCriticalBypass()).isFalse();
    assertThat(d.offer("k", "c", Priority.CRITICAL)).isEqualTo(Offer.SCHEDULED);
    assertThat(d.offer("k", "c2", Priority.CRITICAL)).isEqualTo(Offer.COALESCED);
    assertThat(d.pending()).isEqualTo(1);
  }

  @Test
  void maxWaitEmitsAKeyThatNeverPauses() {
    List<Long> emittedAt = new ArrayList<>();
    long start = now();
    for (int i = 0; i < 50; i++) { // an update every 100 ms for 5 s: never a 300 ms pause
      d.offer("busy", "v" + i, Priority.MEDIUM);
      clock.advanceMillis(100);
      for (Entry<String, String> e : d.due()) {
        emittedAt.add(now() - start);
        assertThat(e.value()).isEqualTo("v" + i);
      }
    }
    assertThat(emittedAt).containsExactly(1000L, 2000L, 3000L, 4000L, 5000L);
    assertThat(d.emitted()).isEqualTo(5);
    assertCountersBalance();
  }

  @Test
  void maxWaitCapsTheDelayOfASingleOffer() {
    d.setMaxWaitMillis(120);
    d.offer("k", "v", Priority.LOW);
    assertThat(d.nextDeadlineMillis()).isEqualTo(now() + 120);
  }

  @Test
  void drainAllReturnsEveryPendingEntryInDeadlineOrder() {
    d.offer("late", "1", Priority.LOW);
    clock.advanceMillis(1);
    d.offer("early", "1", Priority.CRITICAL);
    clock.advanceMillis(1);
    d.offer("mid", "1", Priority.HIGH);

    List<Entry<String, String>> all = d.drainAll();

    assertThat(keys(all)).containsExactly("early", "late", "mid");
    assertThat(d.pending()).isZero();
    assertThat(d.nextDeadlineMillis()).isEqualTo(-1);
    assertThat(d.drainAll()).isEmpty();
    assertThat(d.emitted()).isEqualTo(3);
    assertCountersBalance();
  }

  @Test
  void delayChangesApplyToLaterOffersOnly() {
    d.offer("before", "1", Priority.MEDIUM);
    long before = d.nextDeadlineMillis();
    d.setNormalDelayMillis(20).setCriticalDelayMillis(5);

    d.offer("after", "1", Priority.MEDIUM);
    d.offer("crit", "1", Priority.CRITICAL);

    assertThat(d.nextDeadlineMillis()).isEqualTo(now() + 5);
    clock.advanceMillis(20);
    assertThat(keys(d.due())).containsExactly("crit", "after");
    assertThat(d.nextDeadlineMillis()).isEqualTo(before);
    // a later offer to the old key uses the new delay
    d.offer("before", "2", Priority.MEDIUM);
    assertThat(d.nextDeadlineMillis()).isEqualTo(now() + 20);
  }

  @Test
  void bypassCanBeSwitchedAtRunTime() {
    d.setCriticalBypass(true);
    assertThat(d.offer("k", "1", Priority.CRITICAL)).isEqualTo(Offer.EMIT_NOW);
    d.setCriticalBypass(false);
    assertThat(d.offer("k", "2", Priority.CRITICAL)).isEqualTo(Offer.SCHEDULED);
  }

  @Test
  void cancelDropsAPendingEntryWithoutEmittingIt() {
    d.offer("a", "1", Priority.LOW);
    d.offer("b", "1", Priority.LOW);
    assertThat(d.cancel("a")).isTrue();
    assertThat(d.cancel("a")).isFalse();
    clock.advanceMillis(300);
    assertThat(keys(d.due())).containsExactly("b");
    assertThat(d.cancelled()).isEqualTo(1);
    assertCountersBalance();
  }

  @Test
  void zeroDelayIsDueAtTheNextCall() {
    d.setNormalDelayMillis(0);
    d.offer("k", "v", Priority.MEDIUM);
    assertThat(d.nextDeadlineMillis()).isEqualTo(now());
    assertThat(keys(d.due())).containsExactly("k");
  }

  @Test
  void rejectsNegativeDelaysAndNullKeys() {
    assertThatThrownBy(() -> d.setNormalDelayMillis(-1)).hasMessageContaining("normalDelayMillis must be >= 0");
    assertThatThrownBy(() -> d.setCriticalDelayMillis(-1)).hasMessageContaining("criticalDelayMillis");
    assertThatThrownBy(() -> d.setMaxWaitMillis(-1)).hasMessageContaining("maxWaitMillis");
    assertThatThrownBy(() -> d.offer(null, "v", Priority.LOW)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> d.offer("k", "v", null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void hugeMaxWaitDoesNotOverflow() {
    d.setMaxWaitMillis(Long.MAX_VALUE);
    d.offer("k", "v", Priority.LOW);
    assertThat(d.nextDeadlineMillis()).isEqualTo(now() + 300);
  }

  /**
   * Random offers, cancels, time steps and mode switches against a model that scans every key:
   * the heap must emit exactly what the scan would, in the same order.
   */
  @Test
  void matchesAFullScanModelUnderRandomTraffic() {
    Random rnd = new Random(42);
    Debouncer<Integer, Integer> deb = new Debouncer<Integer, Integer>(clock)
        .setNormalDelayMillis(30).setCriticalDelayMillis(5).setMaxWaitMillis(100);
    record M(int value, Priority priority, long first, long deadline, long seq) {}
    Map<Integer, M> model = new HashMap<>();
    long seq = 0;
    for (int step = 0; step < 50_000; step++) {
      int op = rnd.nextInt(100);
      long t = clock.monotonicMillis();
      if (op < 70) {
        int k = rnd.nextInt(200);
        Priority p = Priority.values()[rnd.nextInt(4)];
        deb.offer(k, step, p);
        M m = model.get(k);
        Priority eff = m == null ? p : m.priority().max(p);
        long first = m == null ? t : m.first();
        long delay = eff == Priority.CRITICAL ? 5 : 30;
        model.put(k, new M(step, eff, first, Math.min(t + delay, first + 100), m == null ? seq++ : m.seq()));
      } else if (op < 73) {
        int k = rnd.nextInt(200);
        assertThat(deb.cancel(k)).isEqualTo(model.remove(k) != null);
      } else if (op < 98) {
        clock.advanceMillis(rnd.nextInt(4));
        long now = clock.monotonicMillis();
        List<Map.Entry<Integer, M>> expected = model.entrySet().stream()
            .filter(e -> e.getValue().deadline() <= now)
            .sorted((x, y) -> x.getValue().deadline() != y.getValue().deadline()
                ? Long.compare(x.getValue().deadline(), y.getValue().deadline())
                : Long.compare(x.getValue().seq(), y.getValue().seq()))
            .toList();
        List<Entry<Integer, Integer>> got = deb.due();
        assertThat(got).extracting(Entry::key).containsExactlyElementsOf(expected.stream().map(Map.Entry::getKey).toList());
        assertThat(got).extracting(Entry::value).containsExactlyElementsOf(expected.stream().map(e -> e.getValue().value()).toList());
        assertThat(got).extracting(Entry::priority).containsExactlyElementsOf(expected.stream().map(e -> e.getValue().priority()).toList());
        expected.forEach(e -> model.remove(e.getKey()));
      } else {
        assertThat(deb.drainAll()).hasSize(model.size());
        model.clear();
      }
      assertThat(deb.pending()).isEqualTo(model.size());
      long next = model.values().stream().mapToLong(M::deadline).min().orElse(-1);
      assertThat(deb.nextDeadlineMillis()).isEqualTo(next);
    }
    assertThat(deb.offered()).isEqualTo(deb.coalesced() + deb.emitted() + deb.cancelled() + deb.pending());
  }
}
