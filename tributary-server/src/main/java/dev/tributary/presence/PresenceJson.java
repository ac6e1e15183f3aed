package dev.tributary.presence;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** The JSON of presence answers, shared by the commands and {@code POST /api/presence*}. */
public final class PresenceJson {
  private PresenceJson() {}

  /** {@code {"presence":{client:{client,user[,chan_info]}}}} or {@code {"num_clients":N,"num_users":M}}. */
  public static Future<JsonObject> result(PresenceStore store, String ch, boolean stats) {
    if (stats) {
      return store.stats(ch).map(s -> new JsonObject().put("num_clients", s.numClients()).put("num_users", s.numUsers()));
    }
    return store.presence(ch).map(clients -> {
      JsonObject p = new JsonObject();
      clients.forEach((id, info) -> p.put(id, info.toJson()));
      return new JsonObject().put("presence", p);
    });
  }
}
