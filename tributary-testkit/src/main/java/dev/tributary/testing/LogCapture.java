package dev.tributary.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.LoggerFactory;

/**
 * Records every log event of this JVM (in-process servers included) while open, with
 * {@code dev.tributary} lowered to DEBUG so that debug lines are checked too; closing restores the
 * levels. For assertions such as "no stack trace was logged" or "the token never reaches the log".
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final ConcurrentLinkedQueue<ILoggingEvent> events = new ConcurrentLinkedQueue<>();
  private final Logger root;
  private final Logger ours;
  private final Level oursBefore;

  private LogCapture() {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    setContext(ctx);
    root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ours = ctx.getLogger("dev.tributary");
    oursBefore = ours.getLevel();
  }

  public static LogCapture open() {
    LogCapture c = new LogCapture();
    c.attach();
    return c;
  }

  private void attach() {
    setName("capture");
    start();
    ours.setLevel(Level.DEBUG);
    root.addAppender(this);
  }

  @Override
  protected void append(ILoggingEvent e) {
    e.prepareForDeferredProcessing();
    events.add(e);
  }

  public List<ILoggingEvent> events() {
    return new ArrayList<>(events);
  }

  /** Events that carry a throwable (a stack trace in the log) or name an exception. */
  public List<String> exceptions() {
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : events) {
      String msg = e.getFormattedMessage();
      if (e.getThrowableProxy() != null || msg.contains("Exception") || msg.contains("exception")) {
        out.add(e.getLevel() + " " + e.getLoggerName() + ": " + msg
            + (e.getThrowableProxy() == null ? "" : " / " + e.getThrowableProxy().getClassName()));
      }
    }
    return out;
  }

  /** Formatted messages, MDC values and throwable messages that contain {@code text}. */
  public List<String> mentioning(String text) {
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : events) {
      StringBuilder all = new StringBuilder(e.getFormattedMessage());
      for (Map.Entry<String, String> m : e.getMDCPropertyMap().entrySet()) {
        all.append(' ').append(m.getValue());
      }
      for (var t = e.getThrowableProxy(); t != null; t = t.getCause()) {
        all.append(' ').append(t.getMessage());
      }
      if (all.indexOf(text) >= 0) {
        out.add(e.getLoggerName() + ": " + e.getFormattedMessage());
      }
    }
    return out;
  }

  @Override
  public void close() {
    root.detachAppender(this);
    ours.setLevel(oursBefore);
    stop();
  }
}
