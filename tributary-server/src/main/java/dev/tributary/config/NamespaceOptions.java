package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** {@code channels.namespaces.<name>.*}: options of channels named {@code <name>:rest}. */
public final class NamespaceOptions {
  /** {@code subscribeToken} values: a token is verified when sent, or must be sent. */
  public static final String SUBSCRIBE_TOKEN_OPTIONAL = "optional";
  public static final String SUBSCRIBE_TOKEN_REQUIRED = "required";

  static final OptionSet<NamespaceOptions> OPTIONS = OptionSet.of("channels.namespaces.<name>", "hooks");
  private static final Option<NamespaceOptions, Boolean> ALLOW_CLIENT_PUBLISH = OPTIONS.bools("allowClientPublish",
      false, Reload.LIVE, o -> o.allowClientPublish, (o, v) -> o.allowClientPublish = v);
  private static final Option<NamespaceOptions, Boolean> STATE_ON_SUBSCRIBE = OPTIONS.bools("stateOnSubscribe",
      true, Reload.LIVE, o -> o.stateOnSubscribe, (o, v) -> o.stateOnSubscribe = v);
  private static final Option<NamespaceOptions, Integer> HISTORY_SIZE = OPTIONS.ints("historySize", 0, 0, 1_000_000,
      Reload.LIVE, o -> o.historySize, (o, v) -> o.historySize = v);
  private static final Option<NamespaceOptions, Integer> HISTORY_TTL_SECONDS = OPTIONS.ints("historyTtlSeconds",
      300, 1, 30 * 86_400, Reload.LIVE, o -> o.historyTtlSeconds, (o, v) -> o.historyTtlSeconds = v);
  private static final Option<NamespaceOptions, Boolean> PRESENCE = OPTIONS.bools("presence", false, Reload.LIVE,
      o -> o.presence, (o, v) -> o.presence = v);
  private static final Option<NamespaceOptions, Boolean> JOIN_LEAVE = OPTIONS.bools("joinLeave", false, Reload.LIVE,
      o -> o.joinLeave, (o, v) -> o.joinLeave = v);
  private static final Option<NamespaceOptions, String> SUBSCRIBE_TOKEN = OPTIONS.choice("subscribeToken",
      SUBSCRIBE_TOKEN_OPTIONAL, List.of(SUBSCRIBE_TOKEN_OPTIONAL, SUBSCRIBE_TOKEN_REQUIRED), Option.exact(), true,
      Reload.LIVE, o -> o.subscribeToken, (o, v) -> o.subscribeToken = v);

  private boolean allowClientPublish;
  private boolean stateOnSubscribe;
  private int historySize;
  private boolean presence;
  private boolean joinLeave;
  private int historyTtlSeconds;
  private String subscribeToken;
  private HooksOptions hooks = HooksOptions.forNamespace();

  public NamespaceOptions() {
    OPTIONS.reset(this);
  }

  public NamespaceOptions(NamespaceOptions o) {
    OPTIONS.copy(o, this);
    hooks = new HooksOptions(o.hooks);
  }

  public NamespaceOptions(String name, JsonObject json) {
    this();
    JsonFields f = OPTIONS.fields(this, json, "channels.namespaces." + name, true);
    JsonObject h = f.object("hooks");
    if (h != null) {
      hooks = new HooksOptions("channels.namespaces." + name + ".hooks", h, true);
    }
  }

  public JsonObject toJson() {
    return OPTIONS.write(this).put("hooks", hooks.toJson());
  }

  /**
   * This namespace's channel hooks ({@code subscribe}, {@code publish}, {@code subRefresh}); one
   * configured here replaces the global one of the same kind for this namespace's channels.
   * Default none.
   */
  public HooksOptions getHooks() {
    return hooks;
  }

  /** Clients may publish to this namespace's channels. Default false. */
  public boolean isAllowClientPublish() {
    return allowClientPublish;
  }

  public NamespaceOptions setAllowClientPublish(boolean v) {
    this.allowClientPublish = ALLOW_CLIENT_PUBLISH.check(v);
    return this;
  }

  /** Publications kept per channel for recovery and the history command; 0 = no history. Default 0. */
  public int getHistorySize() {
    return historySize;
  }

  public NamespaceOptions setHistorySize(int v) {
    this.historySize = HISTORY_SIZE.check(v);
    return this;
  }

  /** Presence information (presence, presence_stats) for this namespace's channels. Default false. */
  public boolean isPresence() {
    return presence;
  }

  public NamespaceOptions setPresence(boolean v) {
    this.presence = PRESENCE.check(v);
    return this;
  }

  /** Join and leave pushes to subscribers (needs presence). Default false. */
  public boolean isJoinLeave() {
    return joinLeave;
  }

  public NamespaceOptions setJoinLeave(boolean v) {
    this.joinLeave = JOIN_LEAVE.check(v);
    return this;
  }

  /** Longest a publication stays in history, seconds. Default 300. */
  public int getHistoryTtlSeconds() {
    return historyTtlSeconds;
  }

  public NamespaceOptions setHistoryTtlSeconds(int v) {
    this.historyTtlSeconds = HISTORY_TTL_SECONDS.check(v);
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
    this.stateOnSubscribe = STATE_ON_SUBSCRIBE.check(v);
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
    this.subscribeToken = SUBSCRIBE_TOKEN.check(v);
    return this;
  }
}
