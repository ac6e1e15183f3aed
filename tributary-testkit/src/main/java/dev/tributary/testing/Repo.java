package dev.tributary.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Paths in the source tree, for tests that read the README, run a script or the shipped jar. Maven
 * runs each module's tests in that module's directory; the repository root is the nearest directory
 * above it that holds {@code scripts/run}.
 */
public final class Repo {
  private static final Path ROOT = find();

  private Repo() {}

  /** The repository root (absolute). */
  public static Path root() {
    return ROOT;
  }

  /** A path relative to the repository root, e.g. {@code Repo.path("scripts/run")}. */
  public static Path path(String relative) {
    return ROOT.resolve(relative);
  }

  /** The server's fat jar, as {@code mvn package} builds it and scripts/run runs it. */
  public static Path serverJar() {
    return path("tributary-server/target/tributary.jar");
  }

  private static Path find() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isExecutable(p.resolve("scripts/run"))) {
        return p;
      }
    }
    throw new IllegalStateException("no directory above " + Path.of("").toAbsolutePath() + " holds scripts/run");
  }
}
