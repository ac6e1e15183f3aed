package dev.tributary.jmh;

import dev.tributary.gateway.OutboundBatch;
import dev.tributary.protocol.ProtocolCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One connection's outbound batching: append an already-encoded push (a memory copy), and take the
 * frame whenever the batch says it is full. Reported per message, so the maxMessages settings
 * compare directly; the frame is released where the real server would hand it to the socket.
 *
 * <p>Runs on event-loop-like threads ({@link EventLoopThreadExecutor}), where the pooled allocator
 * has its thread cache; {@link OutboundBatchPlainThreadBench} is the same on plain threads.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(jvmArgsAppend = {"-Djmh.executor=CUSTOM", "-Djmh.executor.class=dev.tributary.jmh.EventLoopThreadExecutor"})
public class OutboundBatchBench {
  static final int MESSAGES = 100;

  @Param({"1", "10", "100"})
  public int maxMessages;

  private OutboundBatch batch;
  private byte[] push;

  /** Whether this benchmark means to run on a FastThreadLocalThread. */
  protected boolean onEventLoopThread() {
    return true;
  }

  @Setup
  public void setUp() {
    if ((Thread.currentThread() instanceof FastThreadLocalThread) != onEventLoopThread()) {
      throw new IllegalStateException("wrong benchmark thread type: " + Thread.currentThread());
    }
    batch = new OutboundBatch(PooledByteBufAllocator.DEFAULT, maxMessages, 64 * 1024);
    push = ProtocolCodec.publicationPush(ProtocolCodecBench.CHANNEL, ProtocolCodecBench.DATA, null);
    if (push.length != 150) {
      throw new IllegalStateException("push should be 150 bytes, is " + push.length);
    }
  }

  @Benchmark
  @OperationsPerInvocation(MESSAGES)
  public void appendAndFlush(Blackhole bh) {
    for (int i = 0; i < MESSAGES; i++) {
      if (batch.append(push)) {
        frame(batch.take(), bh);
      }
    }
    ByteBuf rest = batch.take();
    if (rest != null) {
      frame(rest, bh);
    }
  }

  private static void frame(ByteBuf frame, Blackhole bh) {
    bh.consume(frame.readableBytes());
    frame.release();
  }
}
