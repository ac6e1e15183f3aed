package dev.tributary.jmh;

import org.openjdk.jmh.annotations.Fork;

/**
 * {@link OutboundBatchBench} on plain (non-Netty) threads: what batching costs if frames were built
 * off the event loop, where the pooled allocator has no thread cache and recycles no buffer
 * objects.
 */
@Fork(jvmArgsAppend = "-Djmh.executor=PLATFORM")
public class OutboundBatchPlainThreadBench extends OutboundBatchBench {
  @Override
  protected boolean onEventLoopThread() {
    return false;
  }
}
