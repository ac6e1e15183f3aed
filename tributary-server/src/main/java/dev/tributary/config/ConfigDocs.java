package dev.tributary.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The option tables of docs/CONFIGURATION.md, rendered from the {@link OptionRegistry}. A table
 * sits between {@code <!-- options: PREFIX... -->} and {@code <!-- /options -->}; its key, type,
 * default, range and reload columns come from the descriptors, its meaning column is prose kept
 * from the file (by key). {@code ConfigurationDocTest} fails when the file differs from what this
 * renders; {@link #main} rewrites the file.
 */
public final class ConfigDocs {
  static final String HEADER = "| key | type | default | range | reload | meaning |\n|---|---|---|---|---|---|\n";
  private static final Pattern BLOCK = Pattern.compile("(<!-- options: (.*?) -->\\n)(.*?)(<!-- /options -->)",
      Pattern.DOTALL);

  private ConfigDocs() {}

  /** Rewrites the tables of the markdown file {@code args[0]} (default docs/CONFIGURATION.md) in place. */
  public static void main(String[] args) throws IOException {
    Path file = Path.of(args.length > 0 ? args[0] : "docs/CONFIGURATION.md");
    String before = Files.readString(file, StandardCharsets.UTF_8);
    String after = render(before);
    Files.writeString(file, after, StandardCharsets.UTF_8);
    System.out.println(before.equals(after) ? file + ": up to date" : file + ": option tables rewritten");
  }

  /** {@code markdown} with every option table rendered anew from the descriptors. */
  public static String render(String markdown) {
    Matcher m = BLOCK.matcher(markdown);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      Map<String, String> meanings = meanings(m.group(3));
      StringBuilder table = new StringBuilder(HEADER);
      for (String prefix : m.group(2).trim().split("\\s+")) {
        List<OptionSet<?>> sets = OptionRegistry.sets(prefix);
        if (sets.isEmpty()) {
          throw new IllegalArgumentException("no options under " + prefix + " (a prefix of OptionRegistry)");
        }
        for (OptionSet<?> set : sets) {
          for (Option<?, ?> o : set.options()) {
            table.append(row(o, meanings.getOrDefault(o.key(), ""))).append('\n');
          }
        }
      }
      m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + table + m.group(4)));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The prefixes of every table in {@code markdown}. */
  public static List<String> prefixes(String markdown) {
    List<String> all = new ArrayList<>();
    Matcher m = BLOCK.matcher(markdown);
    while (m.find()) {
      all.addAll(List.of(m.group(2).trim().split("\\s+")));
    }
    return all;
  }

  /** The meaning column of each row of a rendered table, by key. */
  static Map<String, String> meanings(String table) {
    Map<String, String> meanings = new LinkedHashMap<>();
    for (String line : table.split("\n")) {
      if (!line.startsWith("| `")) {
        continue;
      }
      // The first five cells are rendered and hold no " | "; the meaning may.
      String[] cells = line.substring(2, line.length() - (line.endsWith(" |") ? 2 : 0)).split(" \\| ", 6);
      if (cells.length == 6) {
        meanings.put(cells[0].replace("`", ""), cells[5]);
      }
    }
    return meanings;
  }

  static String row(Option<?, ?> o, String meaning) {
    return "| `" + o.key() + "` | " + o.type() + " | " + o.defaultText() + " | " + o.range() + " | "
        + o.reload().doc() + " | " + meaning + " |";
  }
}
