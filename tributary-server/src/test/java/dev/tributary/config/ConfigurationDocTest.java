package dev.tributary.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docs/CONFIGURATION.md's option tables say what the option descriptors say: every option in
 * exactly one table, with its type, default, range and reload behaviour as the code has them, and
 * a meaning. To rewrite the tables after changing an option:
 * {@code mvn -q -o test -pl tributary-server -Dtest=ConfigurationDocTest -Ddocs.rewrite=true} (then write the meaning of
 * a new row).
 */
class ConfigurationDocTest {

  static Path doc() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path p = dir.resolve("docs/CONFIGURATION.md");
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new IllegalStateException("docs/CONFIGURATION.md not found above " + Path.of("").toAbsolutePath());
  }

  @Test
  void tablesAreTheOnesTheDescriptorsRender() throws IOException {
    Path doc = doc();
    String text = Files.readString(doc, StandardCharsets.UTF_8);
    String rendered = ConfigDocs.render(text);
    if (Boolean.getBoolean("docs.rewrite") && !text.equals(rendered)) {
      Files.writeString(doc, rendered, StandardCharsets.UTF_8);
      text = rendered;
    }
    assertThat(text).as("docs/CONFIGURATION.md differs from the option descriptors; rewrite it with "
        + "-Ddocs.rewrite=true (see this class)").isEqualTo(rendered);
  }

  @Test
  void everyOptionIsInExactlyOneTableWithAMeaning() throws IOException {
    String text = Files.readString(doc(), StandardCharsets.UTF_8);
    List<String> tabled = ConfigDocs.prefixes(text);
    List<String> registered = new ArrayList<>();
    for (OptionSet<?> set : OptionRegistry.sets()) {
      if (!registered.contains(set.prefix())) {
        registered.add(set.prefix());
      }
    }
    assertThat(tabled).as("each registered prefix in exactly one table").containsExactlyInAnyOrderElementsOf(registered);
    Map<String, String> meanings = ConfigDocs.meanings(text);
    for (OptionSet<?> set : OptionRegistry.sets()) {
      for (Option<?, ?> o : set.options()) {
        assertThat(meanings.get(o.key())).as("meaning of " + o.key()).isNotBlank();
      }
    }
  }
}
