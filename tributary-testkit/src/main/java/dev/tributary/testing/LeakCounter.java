package dev.tributary.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.concurrent.atomic.AtomicInteger;

/** A Logback appender that counts Netty's "LEAK:" reports (wired in logback-test.xml). */
public final class LeakCounter extends AppenderBase<ILoggingEvent> {
  private static final AtomicInteger LEAKS = new AtomicInteger();

  public static int count() {
    return LEAKS.get();
  }

  @Override
  protected void append(ILoggingEvent e) {
    if (e.getFormattedMessage().startsWith("LEAK")) {
      LEAKS.incrementAndGet();
    }
  }
}
