package dev.tributary.it;

import dev.tributary.testing.Repo;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/test-deps says what it does and does nothing when the tools are there (README, "The two
 * commands"); only the paths that install nothing are run here.
 */
class TestDepsScriptTest {
  private static final Path SCRIPT = Repo.path("scripts/test-deps");

  @Test
  void presentChromiumIsLeftAloneAndSaidSo() throws Exception {
    String out = run(Path.of("/bin/true"));
    assertThat(out).isEqualTo("test-deps: chromium for DashboardTest: present (/bin/true), nothing to install\n");
  }

  @Test
  void chromiumPathThatIsNoExecutableInstallsNothingAndSaysTheTestSkips(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("no-chromium");
    String out = run(missing);
    assertThat(out).isEqualTo("test-deps: TRIBUTARY_CHROMIUM=" + missing
        + " is not an executable; not installing anything (DashboardTest will skip)\n");
  }

  private static String run(Path chromium) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(SCRIPT.toString()).redirectErrorStream(true);
    pb.environment().put("TRIBUTARY_CHROMIUM", chromium.toString());
    Process p = pb.start();
    try {
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("scripts/test-deps finished").isTrue();
      assertThat(p.exitValue()).isZero();
      return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      p.destroyForcibly();
    }
  }
}
