package dev.tributary.history;

import dev.tributary.protocol.ProtocolCodec;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * History answers, shared by the {@code history} command and {@code POST /api/history}: the
 * request's {@code limit}, {@code since} and {@code reverse} (Centrifugo's semantics), a page read
 * within a byte budget, and its JSON.
 *
 * <ul>
 *   <li>{@code limit} absent or 0: no publications, only the stream position; {@code -1} (any
 *       negative): as many as there are; both bounded by the namespace's {@code historySize}.
 *   <li>{@code since} {@code {offset, epoch}}: publications after {@code offset} (with
 *       {@code reverse}: before it, newest first); an {@code epoch} other than the stream's fails
 *       with {@link UnrecoverablePosition} (112); an empty or absent epoch is not checked.
 *   <li>{@code reverse}: newest first; with {@code since}, {@code since.offset} must be positive.
 *   <li>The page holds the publications that fit the byte budget
 *       ({@link HistoryStore#replyBytes}); fewer than {@code limit} when it is cut, and the caller
 *       pages on with {@code since} = the last publication's offset. Not even the first one fits:
 *       {@link TooLarge} (106).
 * </ul>
 */
public final class HistoryJson {
  private HistoryJson() {}

  /** {@code since} named a position of another epoch of the stream (protocol error 112). */
  public static final class UnrecoverablePosition extends RuntimeException {
    public UnrecoverablePosition(String channel) {
      super("unrecoverable position: the stream of " + channel + " has another epoch", null, false, false);
    }
  }

  /** The next publication alone is larger than the reply may be (protocol error 106). */
  public static final class TooLarge extends RuntimeException {
    public TooLarge(String channel, long budget) {
      super("limit exceeded: the next publication of " + channel + " is larger than a reply may be (" + budget
          + " bytes)", null, false, false);
    }
  }

  /** Malformed {@code limit}, {@code since} or {@code reverse} (protocol error 107). */
  public static final class BadRequest extends RuntimeException {
    public BadRequest(String why) {
      super("bad request: " + why, null, false, false);
    }
  }

  /** A parsed history request. {@code sinceOffset} 0 = none. */
  public record Query(int limit, long sinceOffset, String sinceEpoch, boolean reverse) {}

  /**
   * The request's parameters; {@code size} (the namespace's history size) bounds the limit.
   *
   * @throws BadRequest when a parameter has the wrong type or range
   */
  public static Query query(JsonObject params, int size) {
    Object l = params.getValue("limit");
    int limit;
    if (l == null) {
      limit = 0;
    } else if (l instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      long v = n.longValue();
      limit = v < 0 ? size : (int) Math.min(v, size);
    } else {
      throw new BadRequest("limit must be an integer");
    }
    long sinceOffset = 0;
    String sinceEpoch = null;
    Object s = params.getValue("since");
    if (s != null) {
      Object off = s instanceof JsonObject so ? so.getValue("offset") : null;
      Object ep = s instanceof JsonObject so ? so.getValue("epoch") : null;
      if (!(s instanceof JsonObject) || (off != null && !(off instanceof Number n && n.longValue() >= 0))
          || (ep != null && !(ep instanceof String))) {
        throw new BadRequest("since must be {\"offset\": integer >= 0, \"epoch\": string}");
      }
      sinceOffset = off == null ? 0 : ((Number) off).longValue();
      sinceEpoch = ep == null || ((String) ep).isEmpty() ? null : (String) ep;
    }
    Object r = params.getValue("reverse");
    if (r != null && !(r instanceof Boolean)) {
      throw new BadRequest("reverse must be a boolean");
    }
    boolean reverse = Boolean.TRUE.equals(r);
    if (reverse && s != null && sinceOffset == 0) {
      throw new BadRequest("since.offset must be positive with reverse");
    }
    return new Query(limit, sinceOffset, sinceEpoch, reverse);
  }

  /**
   * Reads the page of {@code q} within {@code maxBytes} of publications; fails with
   * {@link UnrecoverablePosition} when {@code since} is from another epoch.
   */
  public static Future<HistoryStore.Page> read(HistoryStore history, String ch, Query q, long maxBytes) {
    return history.history(ch, q.limit(), q.sinceOffset(), q.reverse(), Math.max(0, maxBytes)).map(page -> {
      if (q.sinceEpoch() != null && !q.sinceEpoch().equals(page.position().epoch())) {
        throw new UnrecoverablePosition(ch);
      }
      return page;
    });
  }

  /**
   * {@code {"publications":[…],"epoch":E,"offset":N}}: the page's publications that fit in
   * {@code maxBytes} (the budget may have shrunk since the read).
   *
   * @throws TooLarge when there is a publication to return and not even the first fits
   */
  public static String encode(String ch, HistoryStore.Page page, long maxBytes) {
    List<HistoryStore.Entry> entries = page.entries();
    StringBuilder sb = new StringBuilder(256).append("{\"publications\":[");
    long bytes = 0;
    int taken = 0;
    for (HistoryStore.Entry e : entries) {
      bytes += HistoryStore.replyBytes(e);
      if (bytes > maxBytes) {
        break;
      }
      if (taken++ > 0) {
        sb.append(',');
      }
      ProtocolCodec.publication(sb, e.dataJson(), e.infoJson(), e.offset());
    }
    if (taken == 0 && (page.truncated() || !entries.isEmpty())) {
      throw new TooLarge(ch, Math.max(0, maxBytes));
    }
    HistoryStore.Position pos = page.position();
    return sb.append("],\"epoch\":").append(Json.encode(pos.epoch())).append(",\"offset\":").append(pos.offset())
        .append('}').toString();
  }
}
