package dev.tributary.history;

import dev.tributary.gateway.protocol.ProtocolCodec;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The JSON of history answers, shared by the {@code history} command and {@code POST /api/history}. */
public final class HistoryJson {
  private HistoryJson() {}

  /** {@code {"publications":[…],"epoch":E,"offset":N}} for the history command and the API. */
  public static String result(HistoryStore history, String ch, JsonObject params, int size) {
    Object l = params.getValue("limit");
    int limit = l instanceof Number n ? (int) Math.max(0, Math.min(n.longValue(), size)) : size;
    long since = 0;
    Object s = params.getValue("since");
    HistoryStore.Position pos = history.position(ch);
    if (s instanceof JsonObject so && so.getValue("offset") instanceof Number n
        && pos.epoch().equals(so.getString("epoch", pos.epoch()))) {
      since = n.longValue();
    }
    boolean reverse = Boolean.TRUE.equals(params.getValue("reverse"));
    StringBuilder sb = new StringBuilder(256).append("{\"publications\":[");
    List<HistoryStore.Entry> entries = history.history(ch, limit, since, reverse);
    for (int i = 0; i < entries.size(); i++) {
      HistoryStore.Entry e = entries.get(i);
      if (i > 0) {
        sb.append(',');
      }
      ProtocolCodec.publication(sb, e.dataJson(), e.infoJson(), e.offset());
    }
    return sb.append("],\"epoch\":").append(Json.encode(pos.epoch())).append(",\"offset\":").append(pos.offset()).append('}').toString();
  }

}
