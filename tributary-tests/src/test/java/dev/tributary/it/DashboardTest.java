package dev.tributary.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The operator dashboard ({@code GET /dashboard}) in a real headless Chromium, driven over the
 * Chrome DevTools Protocol from Java: the page polls {@code /dashboard/data} while WebSocket
 * subscribers receive HTTP publishes, and its charts fill; it says "disconnected" when the node
 * goes away; it forwards {@code ?token=} when {@code dashboard.token} is set. Screenshots go to
 * target/dashboard.png and target/dashboard-disconnected.png.
 *
 * <p>Chromium is Debian's {@code chromium} ({@code /usr/bin/chromium}, or the path in
 * {@code TRIBUTARY_CHROMIUM}). The test never installs it: where it is missing the test is skipped
 * with a message naming {@code scripts/test-deps}, which installs it (and which {@code scripts/test}
 * runs first unless {@code TRIBUTARY_TEST_DEPS=skip}).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DashboardTest {
  static final Path DEBIAN_CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("TRIBUTARY_CHROMIUM", DEBIAN_CHROMIUM.toString()));
  static final long CDP_TIMEOUT_SECONDS = 30;
  static final int WIDTH = 1440;
  static final int HEIGHT = 860;

  static Vertx vertx;
  static WebClient http;
  static Browser browser;

  @BeforeAll
  static void startBrowser() throws Exception {
    String missing = ensureChromium();
    assumeTrue(missing == null, missing);
    vertx = Vertx.vertx();
    http = WebClient.create(vertx);
    browser = Browser.launch(vertx, CHROMIUM);
  }

  @AfterAll
  static void stopBrowser() {
    if (browser != null) {
      browser.close();
    }
    if (http != null) {
      http.close();
    }
    if (vertx != null) {
      vertx.close().await();
    }
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void chartsFillUnderLoadAndPageSaysDisconnectedWhenNodeStops() throws Exception {
    TestServer server = TestServer.start(o -> { });
    boolean serverOpen = true;
    List<WsTestClient> subscribers = new ArrayList<>();
    Load load = null;
    try {
      String base = "http://127.0.0.1:" + server.port;
      HttpResponse<Buffer> html = http.get(server.port, "127.0.0.1", "/dashboard").send().await();
      assertThat(html.statusCode()).as("GET /dashboard").isEqualTo(200);
      assertThat(html.getHeader("Content-Type")).startsWith("text/html");

      for (int i = 0; i < 3; i++) {
        WsTestClient c = WsTestClient.open(vertx, server.port).autoPong();
        subscribers.add(c);
        c.connect();
        assertThat(c.subscribe("c").containsKey("error")).as("subscribe reply has no error").isFalse();
      }
      load = Load.start(vertx, http, server.port, "c", 20, 3000);

      try (Tab tab = browser.open(base + "/dashboard")) {
        tab.waitFor("document.readyState === 'complete' && !!window.__tributaryDashboard"
            + " && /Tributary/.test(document.title)", 15, "page loaded");
        tab.waitFor("window.__tributaryDashboard.samples >= 3", 15, "three successful polls");
        tab.waitFor("(function (d) { return d.state === 'live' && d.last && d.last.deliveriesTotal > 0"
            + " && d.last.connections >= 3"
            + " && +document.getElementById('chart-deliveries').getAttribute('data-points') > 0; })"
            + "(window.__tributaryDashboard)", 15, "deliveries counted and charted while the load runs");
        assertThat(load.running()).as("the load was still running").isTrue();
        assertThat(load.failures()).as("failed publishes").isZero();
        // A few seconds of history so that the screenshot shows lines, not dots.
        tab.waitFor("window.__tributaryDashboard.samples >= 8"
            + " && +document.getElementById('chart-deliveries').getAttribute('data-points') >= 6", 20, "eight polls");

        JsonObject page = tab.eval("(function () { var d = window.__tributaryDashboard; var pts = {};"
            + " document.querySelectorAll('canvas[data-chart]').forEach(function (c) { pts[c.getAttribute('data-chart')] = +c.getAttribute('data-points'); });"
            + " return {samples: d.samples, state: d.state, last: d.last, points: pts,"
            + " mode: document.getElementById('t-mode').textContent,"
            + " status: document.getElementById('status').textContent}; })()");
        assertThat(page.getInteger("samples")).isGreaterThanOrEqualTo(8);
        assertThat(page.getString("status")).isEqualTo("live");
        assertThat(page.getString("mode")).as("coordinator mode label").isNotBlank().isNotEqualTo("—");
        JsonObject points = page.getJsonObject("points");
        assertThat(points.fieldNames()).containsExactlyInAnyOrder("connections", "deliveries", "latency", "cache", "heap", "coordinator");
        for (String chart : points.fieldNames()) {
          assertThat(points.getInteger(chart)).as("points of chart %s", chart).isPositive();
        }
        JsonObject last = page.getJsonObject("last");
        assertThat(last.getLong("publicationsTotal")).isPositive();
        assertThat(last.getLong("deliveriesTotal")).isGreaterThanOrEqualTo(last.getLong("publicationsTotal"));
        assertThat(last.getJsonObject("memory").getLong("heapMaxBytes")).isPositive();
        tab.screenshot(Path.of("target/dashboard.png"));

        load.stop();
        for (WsTestClient c : subscribers) {
          c.close();
        }
        subscribers.clear();
        serverOpen = false;
        server.close();
        tab.waitFor("window.__tributaryDashboard.state === 'disconnected'"
            + " && getComputedStyle(document.getElementById('banner-disconnected')).display !== 'none'"
            + " && document.getElementById('status').textContent === 'disconnected'", 15, "disconnected shown");
        tab.screenshot(Path.of("target/dashboard-disconnected.png"));

        assertThat(tab.exceptions()).as("uncaught exceptions in the page").isEmpty();
        assertThat(tab.requestUrls()).as("the page requests nothing but the node's own URLs")
            .isNotEmpty().allMatch(u -> u.startsWith(base + "/"));
      }
    } finally {
      if (load != null) {
        load.stop();
      }
      subscribers.forEach(WsTestClient::close);
      if (serverOpen) {
        server.close();
      }
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void forwardsTheTokenFromItsOwnUrlWhenDashboardTokenIsSet() throws Exception {
    try (TestServer server = TestServer.start(o -> o.getOperations().setDashboardToken("s3cret/+&"))) {
      String base = "http://127.0.0.1:" + server.port;
      assertThat(http.get(server.port, "127.0.0.1", "/dashboard/data").send().await().statusCode())
          .as("data without the token").isEqualTo(401);
      try (Tab tab = browser.open(base + "/dashboard?token=s3cret%2F%2B%26")) {
        tab.waitFor("window.__tributaryDashboard.samples >= 2 && window.__tributaryDashboard.state === 'live'",
            15, "polls with the forwarded token succeed");
      }
      try (Tab tab = browser.open(base + "/dashboard")) {
        tab.waitFor("window.__tributaryDashboard.state === 'disconnected'"
            + " && /401/.test(document.getElementById('disconnected-detail').textContent)"
            + " && window.__tributaryDashboard.samples === 0", 15, "without the token: disconnected, 401 shown");
      }
    }
  }

  // ---- Chromium ------------------------------------------------------------------------------

  /** Null when Chromium is there, else why the test is skipped and what to run. Never installs anything. */
  static String ensureChromium() {
    if (Files.isExecutable(CHROMIUM)) {
      return null;
    }
    if (!CHROMIUM.equals(DEBIAN_CHROMIUM)) {
      return "TRIBUTARY_CHROMIUM=" + CHROMIUM + " is not an executable: skipping the dashboard browser test";
    }
    return CHROMIUM + " not found: skipping the dashboard browser test; run scripts/test-deps to install"
        + " Debian's chromium package (scripts/test does it unless TRIBUTARY_TEST_DEPS=skip),"
        + " or set TRIBUTARY_CHROMIUM to a Chromium executable";
  }

  /** Publishes to one channel over the HTTP API at a fixed period, up to a bounded count. */
  static final class Load {
    private final Vertx vertx;
    private final long timerId;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final long max;
    private volatile boolean stopped;

    private Load(Vertx vertx, WebClient http, int port, String channel, long periodMillis, long max) {
      this.vertx = vertx;
      this.max = max;
      this.timerId = vertx.setPeriodic(periodMillis, id -> {
        long n = sent.incrementAndGet();
        if (stopped || n > max) {
          vertx.cancelTimer(id);
          return;
        }
        http.post(port, "127.0.0.1", "/api/publish").putHeader("X-API-Key", TestServer.API_KEY)
            .sendJsonObject(new JsonObject().put("channel", channel)
                .put("data", new JsonObject().put("seq", n).put("text", "dashboard load")))
            .onComplete(ar -> {
              if (!stopped && (ar.failed() || ar.result().statusCode() != 200)) {
                failed.incrementAndGet();
              }
            });
      });
    }

    static Load start(Vertx vertx, WebClient http, int port, String channel, long periodMillis, long max) {
      return new Load(vertx, http, port, channel, periodMillis, max);
    }

    boolean running() {
      return !stopped && sent.get() < max;
    }

    long failures() {
      return failed.get();
    }

    void stop() {
      stopped = true;
      vertx.cancelTimer(timerId);
    }
  }

  /**
   * One headless Chromium process and a CDP connection to it (browser endpoint, flattened
   * sessions: one per tab). The process and its children are killed on close.
   */
  static final class Browser implements AutoCloseable {
    private final Process process;
    private final Path userDataDir;
    private final StringBuffer output;
    private final WebSocketClient client;
    private final WebSocket ws;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();
    private final List<JsonObject> events = new CopyOnWriteArrayList<>();

    private Browser(Process process, Path userDataDir, StringBuffer output, WebSocketClient client, WebSocket ws) {
      this.process = process;
      this.userDataDir = userDataDir;
      this.output = output;
      this.client = client;
      this.ws = ws;
      ws.textMessageHandler(text -> {
        JsonObject m = new JsonObject(text);
        Long id = m.getLong("id");
        CompletableFuture<JsonObject> f = id == null ? null : pending.remove(id);
        if (f != null) {
          f.complete(m);
        } else if (m.containsKey("method")) {
          events.add(m);
        }
      });
      ws.closeHandler(v -> pending.values().forEach(f -> f.completeExceptionally(new IOException("CDP socket closed"))));
    }

    static Browser launch(Vertx vertx, Path chromium) throws Exception {
      Path dir = Files.createTempDirectory("tributary-chromium");
      Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
          "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + dir,
          "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
          "--window-size=" + WIDTH + "," + HEIGHT, "about:blank")
          .redirectErrorStream(true).start();
      StringBuffer out = new StringBuffer();
      CompletableFuture<String> endpoint = new CompletableFuture<>();
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            if (out.length() < 200_000) {
              out.append(line).append('\n');
            }
            int at = line.indexOf("DevTools listening on ");
            if (at >= 0) {
              endpoint.complete(line.substring(at + "DevTools listening on ".length()).trim());
            }
          }
        } catch (IOException ignored) {
          // the process ended
        }
        endpoint.completeExceptionally(new IOException("chromium exited before listening"));
      }, "chromium-output");
      reader.setDaemon(true);
      reader.start();
      try {
        URI uri = URI.create(endpoint.get(30, TimeUnit.SECONDS));
        WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
            .setMaxFrameSize(64 << 20).setMaxMessageSize(64 << 20));
        WebSocket ws = client.connect(new WebSocketConnectOptions().setHost(uri.getHost()).setPort(uri.getPort())
            .setURI(uri.getRawPath()).setAllowOriginHeader(false)).await(CDP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return new Browser(p, dir, out, client, ws);
      } catch (Exception e) {
        kill(p);
        deleteTree(dir);
        throw new IllegalStateException("chromium did not start its DevTools endpoint; output:\n" + out, e);
      }
    }

    JsonObject call(String sessionId, String method, JsonObject params) {
      long id = ids.incrementAndGet();
      JsonObject msg = new JsonObject().put("id", id).put("method", method).put("params", params);
      if (sessionId != null) {
        msg.put("sessionId", sessionId);
      }
      CompletableFuture<JsonObject> f = new CompletableFuture<>();
      pending.put(id, f);
      ws.writeTextMessage(msg.encode());
      try {
        JsonObject reply = f.get(CDP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (reply.containsKey("error")) {
          throw new AssertionError("CDP " + method + " failed: " + reply.getJsonObject("error").encode());
        }
        return reply.getJsonObject("result", new JsonObject());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      } catch (Exception e) {
        pending.remove(id);
        throw new AssertionError("CDP " + method + " had no answer within " + CDP_TIMEOUT_SECONDS + " s", e);
      }
    }

    /** A new tab of {@link #WIDTH} x {@link #HEIGHT} CSS pixels showing {@code url}. */
    Tab open(String url) {
      String target = call(null, "Target.createTarget", new JsonObject().put("url", "about:blank")).getString("targetId");
      String session = call(null, "Target.attachToTarget",
          new JsonObject().put("targetId", target).put("flatten", true)).getString("sessionId");
      Tab tab = new Tab(this, target, session);
      call(session, "Runtime.enable", new JsonObject());
      call(session, "Network.enable", new JsonObject());
      call(session, "Page.enable", new JsonObject());
      call(session, "Emulation.setDeviceMetricsOverride", new JsonObject()
          .put("width", WIDTH).put("height", HEIGHT).put("deviceScaleFactor", 1).put("mobile", false));
      JsonObject nav = call(session, "Page.navigate", new JsonObject().put("url", url));
      if (nav.getString("errorText") != null) {
        tab.close();
        throw new AssertionError("navigation to " + url + " failed: " + nav.getString("errorText"));
      }
      return tab;
    }

    List<JsonObject> events(String sessionId, String method) {
      return events.stream()
          .filter(e -> sessionId.equals(e.getString("sessionId")) && method.equals(e.getString("method")))
          .map(e -> e.getJsonObject("params", new JsonObject()))
          .toList();
    }

    @Override
    public void close() {
      List<ProcessHandle> children = process.descendants().toList();
      try {
        if (!ws.isClosed()) {
          ws.writeTextMessage(new JsonObject().put("id", ids.incrementAndGet()).put("method", "Browser.close").encode());
        }
        process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        kill(process);
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        client.close();
        deleteTree(userDataDir);
      }
    }

    private static void kill(Process p) {
      List<ProcessHandle> children = p.descendants().toList();
      if (p.isAlive()) {
        p.destroyForcibly();
        try {
          p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    private static void deleteTree(Path dir) {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException ignored) {
        // best effort: a temp dir
      }
    }
  }

  /** One page over one CDP session. */
  static final class Tab implements AutoCloseable {
    private final Browser browser;
    private final String targetId;
    private final String session;

    Tab(Browser browser, String targetId, String session) {
      this.browser = browser;
      this.targetId = targetId;
      this.session = session;
    }

    /** Evaluates an expression in the page (awaiting a promise) and returns its JSON value. */
    Object evalValue(String expression, long timeoutMillis) {
      JsonObject r = browser.call(session, "Runtime.evaluate", new JsonObject().put("expression", expression)
          .put("returnByValue", true).put("awaitPromise", true).put("timeout", timeoutMillis));
      if (r.containsKey("exceptionDetails")) {
        throw new AssertionError("page threw on " + expression + ": " + r.getJsonObject("exceptionDetails").encode());
      }
      return r.getJsonObject("result", new JsonObject()).getValue("value");
    }

    JsonObject eval(String expression) {
      Object v = evalValue(expression, 5000);
      assertThat(v).as("value of %s", expression).isInstanceOf(JsonObject.class);
      return (JsonObject) v;
    }

    /**
     * Waits, inside the page, until {@code condition} holds (checked every 100 ms), for at most
     * {@code seconds}; fails with the page's state when it does not.
     */
    void waitFor(String condition, long seconds, String what) {
      long millis = seconds * 1000;
      assertThat(millis + 2000).isLessThan(CDP_TIMEOUT_SECONDS * 1000);
      String js = "new Promise(function (resolve) { var end = Date.now() + " + millis + ";"
          + " (function check() { var ok = false; try { ok = !!(" + condition + "); } catch (e) { }"
          + " if (ok) { resolve(true); } else if (Date.now() > end) { resolve(false); } else { setTimeout(check, 100); } })(); })";
      Object ok = evalValue(js, millis + 2000);
      if (!Boolean.TRUE.equals(ok)) {
        Object state = evalValue("JSON.stringify(window.__tributaryDashboard || null)", 5000);
        throw new AssertionError(what + ": not within " + seconds + " s (" + condition + "); page state: " + state
            + "; exceptions: " + exceptions());
      }
    }

    void screenshot(Path file) throws IOException {
      JsonObject r = browser.call(session, "Page.captureScreenshot", new JsonObject().put("format", "png"));
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.write(file, Base64.getDecoder().decode(r.getString("data")));
    }

    List<String> exceptions() {
      return browser.events(session, "Runtime.exceptionThrown").stream().map(JsonObject::encode).toList();
    }

    List<String> requestUrls() {
      return browser.events(session, "Network.requestWillBeSent").stream()
          .map(p -> p.getJsonObject("request").getString("url"))
          .filter(u -> !u.startsWith("about:") && !u.startsWith("data:"))
          .toList();
    }

    @Override
    public void close() {
      browser.call(null, "Target.closeTarget", new JsonObject().put("targetId", targetId));
    }
  }
}
