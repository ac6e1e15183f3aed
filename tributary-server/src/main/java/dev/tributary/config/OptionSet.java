package dev.tributary.config;

import dev.tributary.config.Option.Reload;
import dev.tributary.config.Option.Rule;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The options of one JSON object of the config file (e.g. {@code gateway}, or
 * {@code channels.namespaces.<name>}), in the order they are read, written and documented.
 * An {@code *Options} class declares its set first, then one {@link Option} per key:
 *
 * <pre>{@code
 * static final OptionSet<RpcOptions> OPTIONS = OptionSet.of("rpc");
 * static final Option<RpcOptions, Integer> TIMEOUT_MILLIS = OPTIONS.ints("timeoutMillis",
 *     DEFAULT_TIMEOUT_MILLIS, 1, 600_000, Reload.RESTART, o -> o.timeoutMillis, (o, v) -> o.timeoutMillis = v);
 * }</pre>
 *
 * and then uses {@link #reset}, {@link #read}, {@link #write} and {@link #copy} in its
 * constructors and {@code toJson()}, and {@link Option#check} in its setters. Add the set to
 * {@link OptionRegistry} so that the reload and the docs know it.
 *
 * @param <O> the {@code *Options} class
 */
public final class OptionSet<O> {
  private final String prefix;
  private final List<String> sections;
  private final List<Option<O, ?>> options = new ArrayList<>();

  private OptionSet(String prefix, List<String> sections) {
    this.prefix = prefix;
    this.sections = sections;
  }

  /**
   * A set for the JSON object at {@code prefix}; {@code sections}: the keys of nested objects the
   * class reads itself (they are known keys, not options).
   */
  public static <O> OptionSet<O> of(String prefix, String... sections) {
    return new OptionSet<>(prefix, List.of(sections));
  }

  /** Dotted path of this object, e.g. {@code gateway.batch}; may hold {@code <name>} or {@code [i]}. */
  public String prefix() {
    return prefix;
  }

  public List<Option<O, ?>> options() {
    return Collections.unmodifiableList(options);
  }

  <T> Option<O, T> add(String name, Option.Kind<T> kind, T dflt, Reload reload, Function<O, T> get, BiConsumer<O, T> set) {
    Option<O, T> o = new Option<>(this, name, kind, dflt, reload, get, set);
    options.add(o);
    return o;
  }

  /** An integer option in {@code [min, max]}. */
  public Option<O, Integer> ints(String name, int dflt, int min, int max, Reload reload, Function<O, Integer> get,
      BiConsumer<O, Integer> set) {
    return add(name, Option.ints(min, max), dflt, reload, get, set);
  }

  /** A long integer option in {@code [min, max]}. */
  public Option<O, Long> longs(String name, long dflt, long min, long max, Reload reload, Function<O, Long> get,
      BiConsumer<O, Long> set) {
    return add(name, Option.longs(min, max), dflt, reload, get, set);
  }

  /** A number option above {@code min} ({@code exclusive}) or at least {@code min}. */
  public Option<O, Double> numbers(String name, double dflt, double min, boolean exclusive, Reload reload,
      Function<O, Double> get, BiConsumer<O, Double> set) {
    return add(name, Option.numbers(min, exclusive), dflt, reload, get, set);
  }

  public Option<O, Boolean> bools(String name, boolean dflt, Reload reload, Function<O, Boolean> get,
      BiConsumer<O, Boolean> set) {
    return add(name, Option.bools(), dflt, reload, get, set);
  }

  /** A string option checked by {@code rule}; {@code range} says in the docs what it may be. */
  public Option<O, String> strings(String name, String dflt, String range, Rule rule, Reload reload,
      Function<O, String> get, BiConsumer<O, String> set) {
    return add(name, Option.strings(range, rule), dflt, reload, get, set);
  }

  /** A string option that must be one of {@code values} after {@code fold} (upper/lower case). */
  public Option<O, String> choice(String name, String dflt, List<String> values, Function<String, String> fold,
      boolean quoted, Reload reload, Function<O, String> get, BiConsumer<O, String> set) {
    return add(name, Option.choice(fold, quoted, values.toArray(String[]::new)), dflt, reload, get, set);
  }

  /** A JSON object option passed on as it is. */
  public Option<O, JsonObject> objects(String name, Reload reload, Function<O, JsonObject> get,
      BiConsumer<O, JsonObject> set) {
    return add(name, Option.objects(), new JsonObject(), reload, get, set);
  }

  /**
   * An option the class reads and writes itself (it needs more than one key's view, e.g.
   * {@code redis.url} vs {@code redis.urls}); described here for the docs and the reload.
   */
  <T> Option<O, T> described(String name, Option.Kind<T> kind, T dflt, Reload reload) {
    return add(name, kind, dflt, reload, null, null);
  }

  /** Every key this object may hold: the options' names and the nested sections. */
  Set<String> names() {
    Set<String> names = new LinkedHashSet<>();
    for (Option<O, ?> o : options) {
      names.add(o.name());
    }
    names.addAll(sections);
    return names;
  }

  /** Sets every option of {@code target} to its default. */
  public void reset(O target) {
    for (Option<O, ?> o : options) {
      o.reset(target);
    }
  }

  /** Reads {@code json} into {@code target} strictly (unknown keys refused), naming keys under {@link #prefix()}. */
  public void read(O target, JsonObject json) {
    fields(target, json, prefix, true);
  }

  /**
   * Reads {@code json} into {@code target}, naming keys under {@code at} (the actual path when
   * the prefix is a template); {@code strict}: refuse keys that are neither options nor sections.
   * Returns the fields, for the class to read its sections.
   */
  JsonFields fields(O target, JsonObject json, String at, boolean strict) {
    JsonFields f = new JsonFields(json, at);
    if (strict) {
      f.rejectUnknown(names());
    }
    for (Option<O, ?> o : options) {
      o.read(target, f);
    }
    return f;
  }

  JsonFields fields(O target, JsonObject json) {
    return fields(target, json, prefix, true);
  }

  /** Every generic option of {@code source}, by name. */
  public JsonObject write(O source) {
    JsonObject json = new JsonObject();
    for (Option<O, ?> o : options) {
      o.write(source, json);
    }
    return json;
  }

  /** Copies every generic option. */
  public void copy(O from, O to) {
    for (Option<O, ?> o : options) {
      o.copy(from, to);
    }
  }
}
