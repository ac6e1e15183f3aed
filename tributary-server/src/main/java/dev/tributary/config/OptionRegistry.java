package dev.tributary.config;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Every {@link OptionSet} of the config file, in the order of docs/CONFIGURATION.md. The reload
 * ({@code ops/ConfigWatcher}) asks it whether a changed key applies live; the docs test
 * ({@code ConfigurationDocTest}) renders the tables from it. A new {@code *Options} class adds its
 * set here.
 */
public final class OptionRegistry {
  private static final List<OptionSet<?>> ALL = List.of(ServerOptions.OPTIONS, HttpOptions.OPTIONS, ApiOptions.OPTIONS,
      RpcOptions.OPTIONS, AuthOptions.OPTIONS, GatewayOptions.OPTIONS, BatchOptions.OPTIONS, RateLimitOptions.OPTIONS,
      ChannelsOptions.OPTIONS, NamespaceOptions.OPTIONS, CoordinatorOptions.OPTIONS, MemoryOptions.OPTIONS,
      ModuleOptions.OPTIONS, OperationsOptions.METRICS, OperationsOptions.DASHBOARD, OperationsOptions.COMPRESSION,
      OperationsOptions.IDS, OperationsOptions.CONFIG, RedisOptions.OPTIONS, RedisSettings.OPTIONS,
      HooksOptions.OPTIONS, HookOptions.OPTIONS);

  private OptionRegistry() {}

  public static List<OptionSet<?>> sets() {
    return ALL;
  }

  /** The set whose prefix is {@code prefix} (as written, templates included), if any. */
  public static List<OptionSet<?>> sets(String prefix) {
    return ALL.stream().filter(s -> s.prefix().equals(prefix)).toList();
  }

  /**
   * The option a full key names, e.g. {@code gateway.batch.maxBytes} or
   * {@code channels.namespaces.chat.historySize} (matching {@code channels.namespaces.<name>}).
   */
  public static Optional<Option<?, ?>> find(String key) {
    for (OptionSet<?> set : ALL) {
      for (Option<?, ?> o : set.options()) {
        if (pattern(o.key()).matcher(key).matches()) {
          return Optional.of(o);
        }
      }
    }
    return Optional.empty();
  }

  /** What a reload does with a change of {@code key}: keys no option describes need a restart. */
  public static Option.Reload reload(String key) {
    return find(key).map(Option::reload).orElse(Option.Reload.RESTART);
  }

  private static Pattern pattern(String template) {
    return Pattern.compile(Pattern.quote(template).replace("<name>", "\\E.+\\Q").replace("[i]", "\\E\\[\\d+\\]\\Q"));
  }
}
