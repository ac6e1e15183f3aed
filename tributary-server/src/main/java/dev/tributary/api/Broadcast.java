package dev.tributary.api;

import dev.tributary.broker.Broker;
import dev.tributary.channels.ChannelRules;
import dev.tributary.protocol.ProtocolCodec;
import dev.tributary.hub.Hub;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.concurrent.TimeUnit;

/**
 * One {@code POST /api/broadcast}: the same data published to many channels, in slices on the
 * caller's context, so that other work on that event loop (other requests, WebSocket frames of the
 * connections it owns) runs between them.
 *
 * <h2>Skipping</h2>
 * A channel nobody subscribes to anywhere is skipped before its push is encoded, and counted in
 * {@code tributary.broadcast.skipped}. Channels whose namespace keeps history are always published
 * (their history is appended without any subscriber). A channel with subscribers on this node
 * ({@link Hub#hasLocalSubscribers}) is published; for the others the broker is asked once per slice
 * ({@link Broker#withSubscribers}: this node's subscriptions with the memory broker, answered at
 * once; {@code PUBSUB NUMSUB} with Redis), and when it cannot answer
 * nothing of the slice is skipped: the publish path then decides, as for any publication. Whether a
 * subscriber that arrives while its channel is being decided gets the broadcast is the same race as
 * for one publication and one subscribe.
 *
 * <h2>Slices</h2>
 * First every requested name is checked, in the same bounded steps: one that is not a valid, known
 * channel refuses the whole broadcast before anything is published. Then a slice decides {@value #SLICE_CHANNELS} channels (one broker question per Redis link), then
 * publishes the ones kept, in request order, yielding the event loop ({@link Context#runOnContext},
 * behind what is already queued) whenever a step has run for {@link #STEP_BUDGET_NANOS}. Slices run
 * one after the other, so several entries of one channel are published in request order.
 *
 * <p>Figures behind the numbers, measured with 10,000 channels (100 with history, 3 subscribed),
 * JIT warm, on a 2-core box shared with other builds (load average 17–28): deciding a slice of 256
 * channels took 11–80 µs on average (so the slice size hardly matters for the event loop; it sets
 * the size of a {@code PUBSUB NUMSUB}, about 4 KB of names, and 40 round trips per 10,000
 * channels, the loop being free during each); publishing one channel took 17–50 µs with 512 B of
 * data and 1.5–8 ms with 128 KB (encoding three copies of the data, on that starved box). With a
 * 5 ms budget the longest step was 5.8 ms when the box let the thread run; under load it was up to
 * 200 ms, every time a single publication or a GC pause (young-GC pauses of 140–390 ms were logged
 * in the same JVM). The same broadcast as one loop over every channel held the loop for 0.8 s with
 * tiny data and 5.7 s with 64 KB of data.
 *
 * <p>Runs on the caller's context only; the result completes there.
 */
final class Broadcast {
  /** Channels decided per slice, and so per {@code PUBSUB NUMSUB}; see the class doc for the figures. */
  static final int SLICE_CHANNELS = 256;
  /** How long one step may hold the event loop before it yields. */
  static final long STEP_BUDGET_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  /**
   * What a broadcast did.
   *
   * @param refused channels whose publication failed (history not appended), in request order
   * @param cause the cause of one of those failures, null when none failed
   * @param results per requested channel, in request order: its publication's result JSON, or null
   *     when skipped (no subscriber anywhere)
   */
  record Outcome(List<String> refused, Throwable cause, int published, int skipped, List<Future<String>> results) {}

  private final Context ctx;
  private final Hub hub;
  private final Broker broker;
  private final ChannelRules rules;
  private final List<?> requested;
  private final List<String> channels;
  private final String dataJson;
  private final java.util.function.Function<String, Future<String>> publisher;
  private Future<String>[] results;
  private final Counter skippedCounter;
  /** The data's UTF-8 length and the publication size bound: a channel whose push would exceed it is never skipped. */
  private final long dataBytes;
  private final int maxPublicationBytes;
  private final Promise<Outcome> done = Promise.promise();

  /** Entries {@code [0, validated)} of the request are checked names. */
  private int validated;
  /** Channels {@code [0, decided)} are decided. */
  private int decided;
  /** Indexes of channels to publish, of the current slice: {@code ready[readyPos, readyLen)} are still to go. */
  private final int[] ready = new int[SLICE_CHANNELS];
  private int readyPos;
  private int readyLen;
  private int published;
  private int skipped;
  /** Indexes of refused channels, and one cause. */
  private final List<Integer> refusedIdx = new ArrayList<>();
  private Throwable cause;
  /** Publications not complete when made (history appended in Redis), and their indexes. */
  private final List<Future<?>> pending = new ArrayList<>();
  private final List<Integer> pendingIdx = new ArrayList<>();

  private Broadcast(Context ctx, Hub hub, ChannelRules rules, List<?> requested, String dataJson,
      java.util.function.Function<String, Future<String>> publisher, Counter skipped) {
    this.ctx = ctx;
    this.hub = hub;
    this.broker = hub.broker();
    this.rules = rules;
    this.requested = requested;
    this.channels = new ArrayList<>(requested.size());
    this.dataJson = dataJson;
    this.publisher = publisher;
    this.skippedCounter = skipped;
    this.dataBytes = ProtocolCodec.utf8Length(dataJson);
    this.maxPublicationBytes = hub.maxPublicationBytes();
  }

  /** A requested channel is not a valid, known channel name; nothing was published. */
  static final class InvalidChannel extends Exception {
    /** The protocol error code ({@link ChannelRules#check}). */
    final int code;
    final transient Object channel;

    InvalidChannel(int code, Object channel) {
      super("invalid channel: " + channel, null, false, false);
      this.code = code;
      this.channel = channel;
    }
  }

  /**
   * Checks every entry of {@code channels} (failing with {@link InvalidChannel}, before anything is
   * published, when one is not a valid channel name), then publishes {@code dataJson} to every
   * channel that has a subscriber somewhere or keeps history, with {@code publisher} (channel to
   * its publication's result JSON). Must be called on an event loop; returns at once, the outcome
   * completes on the caller's context.
   */
  static Future<Outcome> run(Context ctx, Hub hub, ChannelRules rules, List<?> channels, String dataJson,
      java.util.function.Function<String, Future<String>> publisher, Counter skipped) {
    Broadcast b = new Broadcast(ctx, hub, rules, channels, dataJson, publisher, skipped);
    b.step();
    return b.done.future();
  }

  /** One step: publish what is ready, decide the next slice, until the budget is spent or the broker is asked. */
  private void step() {
    try {
      long deadline = System.nanoTime() + STEP_BUDGET_NANOS;
      // Names first, all of them: a bad one refuses the whole broadcast before any publication.
      while (validated < requested.size()) {
        Object ch = requested.get(validated++);
        int err = rules.check(ch);
        if (err != 0) {
          done.tryFail(new InvalidChannel(err, ch));
          return;
        }
        channels.add((String) ch);
        if ((validated & 255) == 0 && System.nanoTime() - deadline > 0) {
          ctx.runOnContext(v -> step());
          return;
        }
      }
      while (true) {
        while (readyPos < readyLen) {
          publish(ready[readyPos++]);
          if (System.nanoTime() - deadline > 0) {
            ctx.runOnContext(v -> step());
            return;
          }
        }
        if (decided == channels.size()) {
          finish();
          return;
        }
        if (System.nanoTime() - deadline > 0) {
          ctx.runOnContext(v -> step());
          return;
        }
        int from = decided;
        int to = Math.min(from + SLICE_CHANNELS, channels.size());
        decided = to;
        List<String> ask = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
          String ch = channels.get(i);
          if (!kept(ch)) {
            ask.add(ch);
          }
        }
        if (ask.isEmpty()) {
          decide(from, to, null);
          continue;
        }
        Future<java.util.Set<String>> asked = broker.withSubscribers(ask);
        if (asked.isComplete()) {
          decide(from, to, asked.succeeded() ? asked.result()::contains : ch -> true);
          continue;
        }
        asked.onComplete(ar -> ctx.runOnContext(v -> {
          try {
            // The broker could not tell: skip nothing of this slice.
            decide(from, to, ar.succeeded() ? ar.result()::contains : ch -> true);
          } catch (RuntimeException e) {
            done.tryFail(e);
            return;
          }
          step();
        }));
        return;
      }
    } catch (RuntimeException e) {
      done.tryFail(e);
    }
  }

  /**
   * Fills {@link #ready} with the channels of {@code [from, to)} to publish: those that keep
   * history, have local subscribers, or pass {@code elsewhere} (null: none).
   */
  private void decide(int from, int to, Predicate<String> elsewhere) {
    readyPos = 0;
    readyLen = 0;
    int skip = 0;
    for (int i = from; i < to; i++) {
      String ch = channels.get(i);
      if (kept(ch) || (elsewhere != null && elsewhere.test(ch))) {
        ready[readyLen++] = i;
      } else {
        skip++;
      }
    }
    if (skip > 0) {
      skipped += skip;
      skippedCounter.increment(skip);
    }
  }

  /**
   * Published whoever subscribes: it keeps history, has subscribers here, or is too large (then
   * the hub refuses it with 413, as a broadcast of data too large always was, subscribers or not).
   */
  private boolean kept(String ch) {
    return rules.historySize(ch) > 0 || hub.hasLocalSubscribers(ch) || (maxPublicationBytes > 0
        && ProtocolCodec.publicationPushSizeBound(ch, dataBytes, -1) > maxPublicationBytes);
  }

  @SuppressWarnings("unchecked")
  private void publish(int i) {
    if (results == null) {
      results = new Future[channels.size()];
    }
    Future<String> f = publisher.apply(channels.get(i));
    results[i] = f;
    published++;
    if (!f.isComplete()) {
      pending.add(f);
      pendingIdx.add(i);
    } else if (f.failed()) {
      refusedIdx.add(i);
      cause = f.cause();
    }
  }

  private void finish() {
    if (pending.isEmpty()) {
      complete();
      return;
    }
    Future.join(pending).onComplete(ar -> ctx.runOnContext(v -> {
      for (int k = 0; k < pending.size(); k++) {
        if (pending.get(k).failed()) {
          refusedIdx.add(pendingIdx.get(k));
          cause = pending.get(k).cause();
        }
      }
      complete();
    }));
  }

  private void complete() {
    refusedIdx.sort(null);
    List<String> refused = new ArrayList<>(refusedIdx.size());
    for (int i : refusedIdx) {
      refused.add(channels.get(i));
    }
    done.tryComplete(new Outcome(refused, cause, published, skipped,
        results == null ? java.util.Collections.nCopies(channels.size(), null) : java.util.Arrays.asList(results)));
  }
}
