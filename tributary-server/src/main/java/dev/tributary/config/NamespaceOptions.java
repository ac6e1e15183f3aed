package dev.tributary.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/** {@code channels.namespaces.<name>.*}: options of channels named {@code <name>:rest}. */
public final class NamespaceOptions {
  private boolean allowClientPublish;
  private boolean stateOnSubscribe = true;
  private int historySize;
  private boolean presence;
  private boolean joinLeave;
  private int historyTtlSeconds = 300;
  private String subscribeToken = SUBSCRIBE_TOKEN_OPTIONAL;

  /** {@code subscribeToken} values: a token is verified when sent, or must be sent. */
  public static final String SUBSCRIBE_TOKEN_OPTIONAL = "optional";
  public static final String SUBSCRIBE_TOKEN_REQUIRED = "required";

  public NamespaceOptions() {}

  public NamespaceOptions(NamespaceOptions o) {
    allowClientPublish = o.allowClientPublish;
    stateOnSubscribe = o.stateOnSubscribe;
    historySize = o.historySize;
    historyTtlSeconds = o.historyTtlSeconds;
    presence = o.presence;
    joinLeave = o.joinLeave;
    subscribeToken = o.subscribeToken;
  }

  public NamespaceOptions(String name, JsonObject json) {
    JsonFields f = new JsonFields(json, "channels.namespaces." + name);
    f.rejectUnknown(Set.of("allowClientPublish", "stateOnSubscribe", "historySize", "historyTtlSeconds",
        "presence", "joinLeave", "subscribeToken"));
    subscribeToken = checkSubscribeToken("channels.namespaces." + name + ".subscribeToken",
        f.stringValue("subscribeToken", SUBSCRIBE_TOKEN_OPTIONAL));
    presence = f.boolValue("presence", false);
    joinLeave = f.boolValue("joinLeave", false);
    historySize = f.intValue("historySize", 0, 0, 1_000_000);
    historyTtlSeconds = f.intValue("historyTtlSeconds", 300, 1, 30 * 86_400);
    allowClientPublish = f.boolValue("allowClientPublish", false);
    stateOnSubscribe = f.boolValue("stateOnSubscribe", true);
  }

  public JsonObject toJson() {
    return new JsonObject().put("allowClientPublish", allowClientPublish).put("stateOnSubscribe", stateOnSubscribe)
        .put("historySize", historySize).put("historyTtlSeconds", historyTtlSeconds)
        .put("presence", presence).put("joinLeave", joinLeave).put("subscribeToken", subscribeToken);
  }

  /** Clients may publish to this namespace's channels. Default false. */
  public boolean isAllowClientPublish() {
    return allowClientPublish;
  }

  public NamespaceOptions setAllowClientPublish(boolean v) {
    this.allowClientPublish = v;
    return this;
  }

  /** Publications kept per channel for recovery and the history command; 0 = no history. Default 0. */
  public int getHistorySize() {
    return historySize;
  }

  public NamespaceOptions setHistorySize(int v) {
    this.historySize = Check.range("channels.namespaces.historySize", v, 0, 1_000_000);
    return this;
  }

  /** Presence information (presence, presence_stats) for this namespace's channels. Default false. */
  public boolean isPresence() {
    return presence;
  }

  public NamespaceOptions setPresence(boolean v) {
    this.presence = v;
    return this;
  }

  /** Join and leave pushes to subscribers (needs presence). Default false. */
  public boolean isJoinLeave() {
    return joinLeave;
  }

  public NamespaceOptions setJoinLeave(boolean v) {
    this.joinLeave = v;
    return this;
  }

  /** Longest a publication stays in history, seconds. Default 300. */
  public int getHistoryTtlSeconds() {
    return historyTtlSeconds;
  }

  public NamespaceOptions setHistoryTtlSeconds(int v) {
    this.historyTtlSeconds = Check.range("channels.namespaces.historyTtlSeconds", v, 1, 30 * 86_400);
    return this;
  }

  /**
   * A new subscriber first receives the current coordinated module state of the channel (from the
   * coordination cache). Default true.
   */
  public boolean isStateOnSubscribe() {
    return stateOnSubscribe;
  }

  public NamespaceOptions setStateOnSubscribe(boolean v) {
    this.stateOnSubscribe = v;
    return this;
  }

  /**
   * Subscription tokens for this namespace's channels: {@code "optional"} (default: a
   * {@code subscribe} may carry a {@code token}; when it does, it is verified and its {@code exp}
   * and {@code info} apply) or {@code "required"} (a {@code subscribe} without one is refused with
   * 103). Needs {@code auth.tokenHmacSecret}.
   */
  public String getSubscribeToken() {
    return subscribeToken;
  }

  public boolean isSubscribeTokenRequired() {
    return SUBSCRIBE_TOKEN_REQUIRED.equals(subscribeToken);
  }

  public NamespaceOptions setSubscribeToken(String v) {
    this.subscribeToken = checkSubscribeToken("channels.namespaces.subscribeToken", v);
    return this;
  }

  private static String checkSubscribeToken(String key, String v) {
    if (!SUBSCRIBE_TOKEN_OPTIONAL.equals(v) && !SUBSCRIBE_TOKEN_REQUIRED.equals(v)) {
      throw new ConfigException(key, "must be \"optional\" or \"required\", got " + v);
    }
    return v;
  }
}
