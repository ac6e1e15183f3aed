package dev.tributary.gateway;

import dev.tributary.support.ThreadBusy;
import java.util.ArrayList;
import java.util.List;

/**
 * What one gateway instance's event loop did over the last sampling interval (about a second): how
 * busy the loop was and which channels took most of its deliveries. Counting costs one branch per
 * publication and instance; the ranking runs once an interval over the channels delivered to in it.
 * Written by the instance's event loop; {@link #snapshot()} is read from any thread.
 */
public final class InstanceLoad {
  /** Channels kept per instance and interval. */
  static final int TOP = 5;

  /** One channel's deliveries (publications × local subscribers) per second over the interval. */
  public record ChannelRate(String channel, double deliveriesPerSec) {}

  /** The last interval: the loop's busy figures, its deliveries per second and its top channels. */
  public record Snapshot(ThreadBusy.Sample loop, double deliveriesPerSec, List<ChannelRate> top) {
    static final Snapshot NONE = new Snapshot(ThreadBusy.Sample.NONE, 0, List.of());
  }

  private final ThreadBusy thread;
  private final ArrayList<GatewayVerticle.Subscribers> touched = new ArrayList<>();
  private long lastNanos;
  private volatile Snapshot snapshot = Snapshot.NONE;

  /** Created on the event loop it measures. */
  InstanceLoad(long nowNanos) {
    this.thread = ThreadBusy.ofCurrentThread(nowNanos);
    this.lastNanos = nowNanos;
  }

  /** {@code n} deliveries of one publication to {@code subs}' subscribers; event loop only. */
  void delivered(GatewayVerticle.Subscribers subs, int n) {
    if (subs.recentDeliveries == 0 && n > 0) {
      touched.add(subs);
    }
    subs.recentDeliveries += n;
  }

  /** Closes the interval (about once a second, on the event loop). */
  void sample(long nowNanos) {
    double secs = (nowNanos - lastNanos) / 1e9;
    if (secs <= 0) {
      return;
    }
    ThreadBusy.Sample loop = thread.sample(nowNanos);
    touched.sort((a, b) -> Long.compare(b.recentDeliveries, a.recentDeliveries));
    long total = 0;
    List<ChannelRate> top = new ArrayList<>(Math.min(TOP, touched.size()));
    for (int i = 0; i < touched.size(); i++) {
      GatewayVerticle.Subscribers s = touched.get(i);
      total += s.recentDeliveries;
      if (i < TOP) {
        top.add(new ChannelRate(s.channel, s.recentDeliveries / secs));
      }
      s.recentDeliveries = 0;
    }
    touched.clear();
    lastNanos = nowNanos;
    snapshot = new Snapshot(loop, total / secs, List.copyOf(top));
  }

  /** The last closed interval. */
  public Snapshot snapshot() {
    return snapshot;
  }
}
