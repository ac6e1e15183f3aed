package dev.tributary.jmh;

import dev.tributary.coordinator.Debouncer;
import dev.tributary.bus.Priority;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Debouncer offer + due with 1,000 keys updated in random order, default delays (300 ms normal,
 * 50 ms critical, 1 s max wait), 1 % critical updates. One op = one offer, the time step, and a
 * {@code due()} call whenever the earliest deadline has passed (what the coordinator's timer does).
 *
 * <ul>
 *   <li>{@code stepNanos=10000}: an offer every 10 µs, each key every ~10 ms: almost every offer
 *       coalesces and keys leave on max wait (a hot stream).
 *   <li>{@code stepNanos=1000000}: an offer every 1 ms, each key every ~1 s: almost every offer
 *       opens a new entry that is later emitted (quiet keys).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DebouncerBench {
  @Param({"1000"})
  public int keys;

  @Param({"10000", "1000000"})
  public long stepNanos;

  private static final int SCRIPT = 1 << 16;

  private final BenchClock clock = new BenchClock();
  private Debouncer<String, Integer> debouncer;
  private String[] keyNames;
  private int[] script;
  private Priority[] priorities;
  private int i;

  @Setup
  public void setUp() {
    debouncer = new Debouncer<>(clock);
    keyNames = new String[keys];
    for (int k = 0; k < keys; k++) {
      keyNames[k] = ("module-" + (k % 20) + ":key-" + k).intern();
    }
    SplittableRandom rnd = new SplittableRandom(7);
    script = new int[SCRIPT];
    priorities = new Priority[SCRIPT];
    for (int j = 0; j < SCRIPT; j++) {
      script[j] = rnd.nextInt(keys);
      int p = rnd.nextInt(100);
      priorities[j] = p == 0 ? Priority.CRITICAL : p < 20 ? Priority.HIGH : p < 70 ? Priority.MEDIUM : Priority.LOW;
    }
  }

  @Benchmark
  public void offerAndDue(Blackhole bh) {
    int j = i++ & (SCRIPT - 1);
    bh.consume(debouncer.offer(keyNames[script[j]], j, priorities[j]));
    clock.advanceNanos(stepNanos);
    long next = debouncer.nextDeadlineMillis();
    if (next >= 0 && next <= clock.monotonicMillis()) {
      List<Debouncer.Entry<String, Integer>> out = debouncer.due();
      for (int e = 0; e < out.size(); e++) {
        bh.consume(out.get(e));
      }
    }
  }
}
