package dev.tributary.history;

import dev.tributary.gateway.protocol.ProtocolCodec;
import io.vertx.core.Future;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The JSON of history answers, shared by the {@code history} command and {@code POST /api/history}. */
public final class HistoryJson {
  private HistoryJson() {}

  /** {@code since} named a position of another epoch of the stream (protocol error 112). */
  public static final class UnrecoverablePosition extends RuntimeException {
    public UnrecoverablePosition(String channel) {
      super("unrecoverable position: the stream of " + channel + " has another epoch", null, false, false);
    }
  }

  /**
   * {@code {"publications":[…],"epoch":E,"offset":N}} for the history command and the API; fails
   * with {@link UnrecoverablePosition} when {@code since} is from another epoch.
   */
  public static Future<String> result(HistoryStore history, String ch, JsonObject params, int size) {
    Object l = params.getValue("limit");
    int limit = l instanceof Number n ? (int) Math.max(0, Math.min(n.longValue(), size)) : size;
    long since = 0;
    String sinceEpoch = null;
    if (params.getValue("since") instanceof JsonObject so && so.getValue("offset") instanceof Number n) {
      since = Math.max(0, n.longValue());
      sinceEpoch = so.getValue("epoch") instanceof String e ? e : null;
    }
    boolean reverse = Boolean.TRUE.equals(params.getValue("reverse"));
    String expectedEpoch = sinceEpoch;
    return history.history(ch, limit, since, reverse).map(page -> {
      HistoryStore.Position pos = page.position();
      if (expectedEpoch != null && !expectedEpoch.equals(pos.epoch())) {
        throw new UnrecoverablePosition(ch);
      }
      StringBuilder sb = new StringBuilder(256).append("{\"publications\":[");
      List<HistoryStore.Entry> entries = page.entries();
      for (int i = 0; i < entries.size(); i++) {
        HistoryStore.Entry e = entries.get(i);
        if (i > 0) {
          sb.append(',');
        }
        ProtocolCodec.publication(sb, e.dataJson(), e.infoJson(), e.offset());
      }
      return sb.append("],\"epoch\":").append(Json.encode(pos.epoch())).append(",\"offset\":").append(pos.offset())
          .append('}').toString();
    });
  }
}
