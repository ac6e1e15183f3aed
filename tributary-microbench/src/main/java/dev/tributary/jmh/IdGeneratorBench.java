package dev.tributary.jmh;

import dev.tributary.support.IdGenerator;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * IdGenerator throughput per strategy, from one thread and from two threads sharing one generator
 * (the shared counter or SecureRandom is what two event loops would contend on). {@code JDK_UUID}
 * is {@link UUID#randomUUID()} as the baseline. Throughput mode: with two threads the figure is the
 * sum of both.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class IdGeneratorBench {
  @Param({"FAST", "HYBRID", "SECURE", "JDK_UUID"})
  public String strategy;

  private IdGenerator gen;

  @Setup
  public void setUp() {
    gen = strategy.equals("JDK_UUID")
        ? () -> UUID.randomUUID().toString()
        : IdGenerator.create(IdGenerator.Strategy.valueOf(strategy));
  }

  @Benchmark
  @Threads(1)
  public String oneThread() {
    return gen.next();
  }

  @Benchmark
  @Threads(2)
  public String twoThreads() {
    return gen.next();
  }
}
