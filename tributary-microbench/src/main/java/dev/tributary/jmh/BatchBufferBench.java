package dev.tributary.jmh;

import dev.tributary.batch.BatchBuffer;
import dev.tributary.bus.Priority;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * BatchBuffer add + flush with the defaults (100 ms window, 50 items), 8 modules, 1 % critical
 * items, an item every 20 µs: batches leave mostly by size, sometimes early on a critical item.
 * One op = one add, with the flush (sort, group, copy out) amortised over the items it carries.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BatchBufferBench {
  private static final int SCRIPT = 1 << 16;

  private final BenchClock clock = new BenchClock();
  private BatchBuffer<Integer> buffer;
  private String[] modules;
  private int[] moduleOf;
  private Priority[] priorities;
  private Integer[] values;
  private int i;

  @Setup
  public void setUp() {
    buffer = new BatchBuffer<>(clock);
    modules = new String[8];
    for (int m = 0; m < modules.length; m++) {
      modules[m] = "module-" + m;
    }
    SplittableRandom rnd = new SplittableRandom(11);
    moduleOf = new int[SCRIPT];
    priorities = new Priority[SCRIPT];
    values = new Integer[SCRIPT];
    for (int j = 0; j < SCRIPT; j++) {
      moduleOf[j] = rnd.nextInt(modules.length);
      int p = rnd.nextInt(100);
      priorities[j] = p == 0 ? Priority.CRITICAL : p < 20 ? Priority.HIGH : p < 70 ? Priority.MEDIUM : Priority.LOW;
      values[j] = j;
    }
  }

  @Benchmark
  public void addAndFlush(Blackhole bh) {
    int j = i++ & (SCRIPT - 1);
    clock.advanceNanos(20_000);
    if (buffer.add(values[j], modules[moduleOf[j]], priorities[j])) {
      List<Integer> out = buffer.flush();
      for (int e = 0; e < out.size(); e++) {
        bh.consume(out.get(e));
      }
    }
  }
}
