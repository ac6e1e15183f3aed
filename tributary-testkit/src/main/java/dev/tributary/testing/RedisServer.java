package dev.tributary.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} process on a free loopback port, for tests: no persistence
 * ({@code --save "" --appendonly no}), its own temporary directory, stopped by PID.
 *
 * <p>The binary is, in order: {@code $REDIS_SERVER}; {@code redis-server} on the {@code PATH};
 * the statically linked redis-server 7.0.15 shipped inside the {@code org.signal:embedded-redis}
 * test dependency (copied once per JVM to a temporary executable file). So the tests run on a
 * fresh machine with nothing but Maven, and use a locally installed Redis when there is one.
 *
 * <pre>{@code
 * try (RedisServer redis = RedisServer.start()) {
 *   ... redis.url() ...
 *   redis.stop();     // outage
 *   redis.restart();  // same port, empty data
 * }
 * }</pre>
 */
public final class RedisServer implements AutoCloseable {
  private static final long START_TIMEOUT_MILLIS = 10_000;
  private static final long STOP_TIMEOUT_MILLIS = 5_000;
  private static Path cachedBinary;

  private final Path binary;
  private final int port;
  private final Path dir;
  private final List<String> extraArgs;
  private Process process;

  private RedisServer(Path binary, int port, Path dir, List<String> extraArgs) {
    this.binary = binary;
    this.port = port;
    this.dir = dir;
    this.extraArgs = List.copyOf(extraArgs);
  }

  /** Starts a server on a free port and waits until it answers {@code PING}. */
  public static RedisServer start() throws IOException {
    return start(port -> List.of());
  }

  /**
   * As {@link #start()}, with more {@code redis-server} arguments made from the chosen port (kept
   * for {@link #restart()}); {@link RedisCluster} adds its cluster options so.
   */
  public static RedisServer start(java.util.function.Function<Integer, List<String>> extraArgs) throws IOException {
    Path bin = binary();
    IOException last = null;
    // A free port can be taken by someone else between probing and binding: try a few.
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = freePort();
      RedisServer s = new RedisServer(bin, port, Files.createTempDirectory("tributary-redis"), extraArgs.apply(port));
      try {
        s.launch();
        return s;
      } catch (IOException e) {
        last = e;
        s.close();
      }
    }
    throw last;
  }

  /** {@code redis://127.0.0.1:<port>}. */
  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** The running redis-server's process id (for CPU figures from /proc). */
  public long pid() {
    Process p = process;
    if (p == null) {
      throw new IllegalStateException("redis-server is not running");
    }
    return p.pid();
  }

  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Stops the process (SIGTERM by PID, SIGKILL after 5 s) and waits for it to exit. */
  public void stop() {
    Process p = process;
    process = null;
    if (p == null) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
  }

  /**
   * Freezes the process ({@code kill -STOP <pid>}, our own child only): its sockets stay open and
   * accept connections, but nothing is answered until {@link #resume()}.
   */
  public void pause() {
    signal("STOP");
  }

  /** Thaws a {@link #pause()}d process ({@code kill -CONT <pid>}). */
  public void resume() {
    signal("CONT");
  }

  /** {@code kill -9 <pid>} and waits for the exit: no shutdown of any kind (a crash). */
  public void kill9() {
    Process p = process;
    process = null;
    if (p == null) {
      return;
    }
    p.destroyForcibly();
    try {
      p.waitFor(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void signal(String sig) {
    Process p = process;
    if (p == null || !p.isAlive()) {
      throw new IllegalStateException("redis-server is not running");
    }
    try {
      int rc = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start().waitFor();
      if (rc != 0) {
        throw new IllegalStateException("kill -" + sig + " " + p.pid() + " exited " + rc);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Stops and starts again on the same port (data is gone: nothing is persisted). */
  public void restart() throws IOException {
    stop();
    launch();
  }

  @Override
  public void close() {
    stop();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException ignored) {
      // best effort
    }
  }

  /** The server's own temporary directory (its log is {@code redis.log} there). */
  public Path dir() {
    return dir;
  }

  private void launch() throws IOException {
    List<String> cmd = new java.util.ArrayList<>(List.of(binary.toString(),
        "--port", Integer.toString(port),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--dir", dir.toString(),
        "--daemonize", "no",
        "--loglevel", "warning"));
    cmd.addAll(extraArgs);
    Process p = new ProcessBuilder(cmd)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("redis.log").toFile())
        .start();
    process = p;
    boolean[] up = {false};
    try {
      // Up or dead, whichever comes first (Poll: the tests' one bounded wait).
      Poll.until("redis-server answers PING on port " + port, TimeUnit.MILLISECONDS.toSeconds(START_TIMEOUT_MILLIS),
          () -> (up[0] = answersPing()) || !p.isAlive());
    } catch (AssertionError notUp) {
      // timed out: reported below
    }
    if (up[0]) {
      return;
    }
    if (!p.isAlive()) {
      process = null;
      throw new IOException("redis-server exited with " + p.exitValue() + " on port " + port + ": " + log());
    }
    stop();
    throw new IOException("redis-server did not answer PING on port " + port + " within "
        + START_TIMEOUT_MILLIS + " ms: " + log());
  }

  private boolean answersPing() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      s.setSoTimeout(500);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] buf = new byte[7];
      InputStream in = s.getInputStream();
      int n = 0;
      while (n < 7) {
        int r = in.read(buf, n, 7 - n);
        if (r < 0) {
          break;
        }
        n += r;
      }
      return new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("redis.log"));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** A loopback port that was free a moment ago. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  /** The redis-server binary to run; see the class doc for the order. */
  static synchronized Path binary() throws IOException {
    if (cachedBinary != null) {
      return cachedBinary;
    }
    String env = System.getenv("REDIS_SERVER");
    if (env != null && !env.isBlank()) {
      Path p = Path.of(env);
      if (!Files.isExecutable(p)) {
        throw new IOException("REDIS_SERVER=" + env + " is not an executable file");
      }
      return cachedBinary = p;
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(File.pathSeparator)) {
        Path p = Path.of(d.isEmpty() ? "." : d, "redis-server");
        if (Files.isExecutable(p) && !Files.isDirectory(p)) {
          return cachedBinary = p;
        }
      }
    }
    String resource = "/redis-server-7.0.15-" + platform();
    try (InputStream in = RedisServer.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("no redis-server: set REDIS_SERVER, put redis-server on the PATH, or add "
            + "org.signal:embedded-redis (test scope), which ships " + resource);
      }
      Path tmp = Files.createTempFile("redis-server-", "");
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      if (!tmp.toFile().setExecutable(true, true)) {
        throw new IOException("cannot make " + tmp + " executable");
      }
      tmp.toFile().deleteOnExit();
      return cachedBinary = tmp;
    }
  }

  private static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String o = os.contains("mac") || os.contains("darwin") ? "darwin" : "linux";
    String a = switch (arch) {
      case "aarch64", "arm64" -> "arm64";
      case "x86", "i386", "i686" -> "386";
      default -> "amd64";
    };
    return o + "-" + a;
  }
}
