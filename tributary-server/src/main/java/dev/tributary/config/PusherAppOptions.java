package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One entry of {@code pusher.apps}: a Pusher Channels app (id, key, secret) served at
 * {@code /app/{key}} and {@code /apps/{id}/...}, with its channel mapping and limits.
 */
public final class PusherAppOptions {
  public static final boolean DEFAULT_CLIENT_EVENTS = false;
  public static final int DEFAULT_MAX_CONNECTIONS = 0;
  public static final int DEFAULT_MAX_PRESENCE_MEMBERS = 100;
  public static final int DEFAULT_MAX_CLIENT_EVENTS_PER_SECOND = 10;
  public static final int DEFAULT_MAX_EVENT_BYTES = 10_240;
  public static final int DEFAULT_MAX_CHANNELS_PER_EVENT = 100;
  public static final int DEFAULT_MAX_BATCH_EVENTS = 10;

  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_\\-.]{1,128}");

  private final String id;
  private final String key;
  private final String secret;
  private final String namespace;
  private final boolean clientEvents;
  private final int maxConnections;
  private final int maxPresenceMembers;
  private final int maxClientEventsPerSecond;
  private final int maxEventBytes;
  private final int maxChannelsPerEvent;
  private final int maxBatchEvents;
  private final List<Webhook> webhooks;

  /** The webhook events Pusher defines. */
  public static final Set<String> WEBHOOK_EVENTS = Set.of("channel_occupied", "channel_vacated", "member_added",
      "member_removed", "client_event");

  /** One webhook: where to POST, and which events (default all of {@link #WEBHOOK_EVENTS}). */
  public record Webhook(String url, Set<String> events) {
    JsonObject toJson() {
      return new JsonObject().put("url", url).put("events", new io.vertx.core.json.JsonArray(events.stream().sorted().toList()));
    }
  }

  /** An app read from {@code json} (as in {@code pusher.apps}); for tests and embedding. */
  public PusherAppOptions(JsonObject json) {
    this(json, "pusher.apps[?]");
  }

  /** An app with the defaults; for tests and embedding. */
  public PusherAppOptions(String id, String key, String secret, String namespace, boolean clientEvents) {
    this(new JsonObject().put("id", id).put("key", key).put("secret", secret).put("namespace", namespace)
        .put("clientEvents", clientEvents), "pusher.apps[?]");
  }

  PusherAppOptions(JsonObject json, String prefix) {
    JsonFields f = new JsonFields(json, prefix);
    f.rejectUnknown(Set.of("id", "key", "secret", "namespace", "clientEvents", "maxConnections", "maxPresenceMembers",
        "maxClientEventsPerSecond", "maxEventBytes", "maxChannelsPerEvent", "maxBatchEvents", "webhooks"));
    id = token(f, "id");
    key = token(f, "key");
    secret = f.stringValue("secret", null);
    if (secret == null || secret.length() < 8) {
      throw new ConfigException(f.key("secret"), "is required, at least 8 characters");
    }
    namespace = f.stringValue("namespace", null);
    if (namespace != null && !Pattern.matches("[A-Za-z0-9_.\\-]+", namespace)) {
      throw new ConfigException(f.key("namespace"), "must be a namespace name (letters, digits, '_', '-', '.')");
    }
    clientEvents = f.boolValue("clientEvents", DEFAULT_CLIENT_EVENTS);
    maxConnections = f.intValue("maxConnections", DEFAULT_MAX_CONNECTIONS, 0, 10_000_000);
    maxPresenceMembers = f.intValue("maxPresenceMembers", DEFAULT_MAX_PRESENCE_MEMBERS, 1, 100_000);
    maxClientEventsPerSecond = f.intValue("maxClientEventsPerSecond", DEFAULT_MAX_CLIENT_EVENTS_PER_SECOND, 1, 1_000_000);
    maxEventBytes = f.intValue("maxEventBytes", DEFAULT_MAX_EVENT_BYTES, 1, 16 * 1024 * 1024);
    maxChannelsPerEvent = f.intValue("maxChannelsPerEvent", DEFAULT_MAX_CHANNELS_PER_EVENT, 1, 10_000);
    maxBatchEvents = f.intValue("maxBatchEvents", DEFAULT_MAX_BATCH_EVENTS, 1, 10_000);
    webhooks = webhooks(f, prefix);
  }

  private static List<Webhook> webhooks(JsonFields f, String prefix) {
    io.vertx.core.json.JsonArray arr = f.array("webhooks");
    if (arr == null) {
      return List.of();
    }
    List<Webhook> out = new java.util.ArrayList<>();
    for (int i = 0; i < arr.size(); i++) {
      String p = prefix + ".webhooks[" + i + "]";
      if (!(arr.getValue(i) instanceof JsonObject o)) {
        throw new ConfigException(p, "must be an object");
      }
      JsonFields w = new JsonFields(o, p);
      w.rejectUnknown(Set.of("url", "events"));
      String url = w.stringValue("url", null);
      if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
        throw new ConfigException(p + ".url", "is required: an http:// or https:// URL");
      }
      try {
        java.net.URI.create(url).toURL();
      } catch (IllegalArgumentException | java.net.MalformedURLException e) {
        throw new ConfigException(p + ".url", "is not a valid URL: " + url);
      }
      Set<String> events = new java.util.LinkedHashSet<>();
      io.vertx.core.json.JsonArray ev = w.array("events");
      if (ev == null) {
        events.addAll(WEBHOOK_EVENTS);
      } else {
        for (Object e : ev) {
          if (!(e instanceof String s) || !WEBHOOK_EVENTS.contains(s)) {
            throw new ConfigException(p + ".events", "unknown event " + JsonFields.describe(e) + " (known: "
                + String.join(", ", new java.util.TreeSet<>(WEBHOOK_EVENTS)) + ")");
          }
          events.add(s);
        }
      }
      out.add(new Webhook(url, Set.copyOf(events)));
    }
    return List.copyOf(out);
  }

  private static String token(JsonFields f, String name) {
    String v = f.stringValue(name, null);
    if (v == null || !TOKEN.matcher(v).matches()) {
      throw new ConfigException(f.key(name), "is required: 1-128 letters, digits, '_', '-', '.'");
    }
    return v;
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("id", id).put("key", key).put("secret", secret).put("clientEvents", clientEvents)
        .put("maxConnections", maxConnections).put("maxPresenceMembers", maxPresenceMembers)
        .put("maxClientEventsPerSecond", maxClientEventsPerSecond).put("maxEventBytes", maxEventBytes)
        .put("maxChannelsPerEvent", maxChannelsPerEvent).put("maxBatchEvents", maxBatchEvents);
    j.put("webhooks", new io.vertx.core.json.JsonArray(webhooks.stream().map(Webhook::toJson).toList()));
    return namespace == null ? j : j.put("namespace", namespace);
  }

  /** The app id of the HTTP API's paths ({@code /apps/{id}/...}). Required. */
  public String getId() {
    return id;
  }

  /** The public key clients connect with ({@code /app/{key}}) and the HTTP API signs with. Required. */
  public String getKey() {
    return key;
  }

  /** The secret of channel auth signatures and of the HTTP API's signatures. Required, 8 characters or more. */
  public String getSecret() {
    return secret;
  }

  /**
   * The Tributary namespace of the app's channels: Pusher channel {@code c} is Tributary channel
   * {@code namespace:c}; without one (default) it is Tributary channel {@code c}. Must be one of
   * {@code channels.namespaces}.
   */
  public String getNamespace() {
    return namespace;
  }

  /** Clients may send {@code client-*} events on private and presence channels. Default false. */
  public boolean isClientEvents() {
    return clientEvents;
  }

  /** Most open connections of this app on one node, 0 = no limit but the gateway's. Default 0. Over it: 4100. */
  public int getMaxConnections() {
    return maxConnections;
  }

  /** Most distinct users in one presence channel. Default {@value #DEFAULT_MAX_PRESENCE_MEMBERS}. */
  public int getMaxPresenceMembers() {
    return maxPresenceMembers;
  }

  /** Client events one connection may send per second (past it: 4301). Default {@value #DEFAULT_MAX_CLIENT_EVENTS_PER_SECOND}. */
  public int getMaxClientEventsPerSecond() {
    return maxClientEventsPerSecond;
  }

  /** Bytes of an event's data (HTTP API and client events). Default {@value #DEFAULT_MAX_EVENT_BYTES}. */
  public int getMaxEventBytes() {
    return maxEventBytes;
  }

  /** Channels one HTTP API event may name. Default {@value #DEFAULT_MAX_CHANNELS_PER_EVENT}. */
  public int getMaxChannelsPerEvent() {
    return maxChannelsPerEvent;
  }

  /**
   * Webhooks: {@code [{"url":U,"events":[...]}]}; {@code events} defaults to all of
   * channel_occupied, channel_vacated, member_added, member_removed, client_event. Default none.
   */
  public List<Webhook> getWebhooks() {
    return webhooks;
  }

  /** Events one {@code batch_events} request may carry. Default {@value #DEFAULT_MAX_BATCH_EVENTS}. */
  public int getMaxBatchEvents() {
    return maxBatchEvents;
  }
}
