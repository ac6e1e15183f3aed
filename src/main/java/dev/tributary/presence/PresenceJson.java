package dev.tributary.presence;

import io.vertx.core.json.JsonObject;

/** The JSON of presence answers, shared by the commands and {@code POST /api/presence*}. */
public final class PresenceJson {
  private PresenceJson() {}

  /** {@code {"presence":{client:{client,user}}}} or {@code {"num_clients":N,"num_users":M}}. */
  public static JsonObject result(PresenceStore store, String ch, boolean stats) {
    if (stats) {
      int[] s = store.stats(ch);
      return new JsonObject().put("num_clients", s[0]).put("num_users", s[1]);
    }
    JsonObject p = new JsonObject();
    store.presence(ch).forEach((id, info) -> p.put(id, new JsonObject().put("client", info.client()).put("user", info.user())));
    return new JsonObject().put("presence", p);
  }}
