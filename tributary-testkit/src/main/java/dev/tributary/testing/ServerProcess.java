package dev.tributary.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs {@code dev.tributary.Main} in a child JVM (the test classpath), for process-level tests. */
public final class ServerProcess implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("listening on [^:]+:(\\d+)");

  public final Process process;
  public final List<String> output = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final Thread reader;

  public ServerProcess(Path conf) throws IOException {
    this(conf, List.of("-Xmx256m"));
  }

  /** @param jvmOptions options for the child JVM, e.g. {@code -Xmx128m}, {@code -XX:+UseSerialGC} */
  public ServerProcess(Path conf, List<String> jvmOptions) throws IOException {
    this(mainCommand(conf, jvmOptions), null, Map.of());
  }

  private static List<String> mainCommand(Path conf, List<String> jvmOptions) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.addAll(jvmOptions);
    cmd.add("dev.tributary.Main");
    cmd.add("--conf");
    cmd.add(conf.toString());
    return cmd;
  }

  /**
   * Runs {@code command} (e.g. {@code scripts/run …}, which execs the JVM, so {@link #process} is
   * the server itself) in {@code workDir} (null: this one) with {@code env} added to a copy of this
   * environment, minus the variables that would override the test's config.
   */
  public ServerProcess(List<String> command, Path workDir, Map<String, String> env) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    if (workDir != null) {
      pb.directory(workDir.toFile());
    }
    pb.environment().remove("TRIBUTARY_HTTP_PORT");
    pb.environment().remove("TRIBUTARY_CONF");
    pb.environment().remove("TRIBUTARY_CLASSPATH");
    pb.environment().putAll(env);
    process = pb.start();
    reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          output.add(line);
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            port.complete(Integer.parseInt(m.group(1)));
          }
        }
      } catch (IOException ignored) {
        // process ended
      }
      port.completeExceptionally(new IllegalStateException("server exited before listening: " + output));
    }, "server-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Waits until the server logs the port it listens on. */
  public int awaitPort() throws Exception {
    return port.get(60, TimeUnit.SECONDS);
  }

  /** Waits for the process to end; fails if it does not within {@code seconds}. */
  public int awaitExit(long seconds) throws Exception {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError("process still running after " + seconds + " s");
    }
    reader.join(TimeUnit.SECONDS.toMillis(10)); // the output's last lines
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
