package dev.tributary.jmh;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A JMH executor ({@code -Djmh.executor=CUSTOM -Djmh.executor.class=<this class>}) whose worker
 * threads are Netty {@code FastThreadLocalThread}s, as Vert.x event loops are. Netty 4.2 gives
 * only such threads a {@code PooledByteBufAllocator} thread cache and a pooling {@code Recycler};
 * on JMH's plain threads every buffer allocation takes the shared arena and every {@code ByteBuf}
 * object is new, which is not what the server's event loops pay.
 */
public final class EventLoopThreadExecutor extends ThreadPoolExecutor {
  /** The constructor JMH calls. */
  public EventLoopThreadExecutor(int maxThreads, String prefix) {
    super(maxThreads, maxThreads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
        new DefaultThreadFactory(prefix, true));
  }
}
