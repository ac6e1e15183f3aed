package dev.tributary.channels;

import dev.tributary.config.ChannelsOptions;
import dev.tributary.config.NamespaceOptions;
import dev.tributary.protocol.ErrorCodes;

/**
 * Channel names and namespaces: {@code name:rest} belongs to namespace {@code name}, which must be
 * configured (else "unknown channel", 102); other channels use the top-level rules. Immutable,
 * shared by all threads.
 */
public final class ChannelRules {
  private final ChannelsOptions options;
  private final int maxLength;

  public ChannelRules(ChannelsOptions options, int maxLength) {
    this.options = options;
    this.maxLength = maxLength;
  }

  /** 0 if {@code channel} is a valid, known channel, else the protocol error code. */
  public int check(Object channel) {
    if (!(channel instanceof String s) || s.isEmpty() || s.length() > maxLength) {
      return ErrorCodes.BAD_REQUEST;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return ErrorCodes.BAD_REQUEST;
      }
    }
    int colon = s.indexOf(':');
    if (colon >= 0 && !options.getNamespaces().containsKey(s.substring(0, colon))) {
      return ErrorCodes.UNKNOWN_CHANNEL;
    }
    return 0;
  }

  /** History size of {@code channel}'s namespace; 0 = no history (channels without namespace have none). */
  public int historySize(String channel) {
    NamespaceOptions ns = namespace(channel);
    return ns == null ? 0 : ns.getHistorySize();
  }

  public long historyTtlMillis(String channel) {
    NamespaceOptions ns = namespace(channel);
    return ns == null ? 0 : ns.getHistoryTtlSeconds() * 1000L;
  }

  public boolean presence(String channel) {
    NamespaceOptions ns = namespace(channel);
    return ns != null && ns.isPresence();
  }

  public boolean joinLeave(String channel) {
    NamespaceOptions ns = namespace(channel);
    return ns != null && ns.isPresence() && ns.isJoinLeave();
  }

  private NamespaceOptions namespace(String channel) {
    int colon = channel.indexOf(':');
    return colon < 0 ? null : options.getNamespaces().get(channel.substring(0, colon));
  }

  /** Whether a new subscriber of {@code channel} first gets the current module state. */
  public boolean stateOnSubscribe(String channel) {
    int colon = channel.indexOf(':');
    if (colon < 0) {
      return true;
    }
    NamespaceOptions ns = options.getNamespaces().get(channel.substring(0, colon));
    return ns != null && ns.isStateOnSubscribe();
  }

  /** Whether a client may publish to {@code channel} (assumed valid). */
  public boolean clientMayPublish(String channel) {
    int colon = channel.indexOf(':');
    if (colon < 0) {
      return options.isAllowClientPublish();
    }
    NamespaceOptions ns = options.getNamespaces().get(channel.substring(0, colon));
    return ns != null && ns.isAllowClientPublish();
  }

  /** Whether a {@code subscribe} to {@code channel} (assumed valid) must carry a subscription token. */
  public boolean subscribeTokenRequired(String channel) {
    NamespaceOptions ns = namespace(channel);
    return ns != null && ns.isSubscribeTokenRequired();
  }
}
