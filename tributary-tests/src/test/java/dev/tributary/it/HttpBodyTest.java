package dev.tributary.it;

import dev.tributary.testing.Repo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testing.LogCapture;
import dev.tributary.testing.RawHttp;
import dev.tributary.testing.TestServer;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP API request bodies as clients really send them: JSON whatever the Content-Type says (curl
 * -d labels it a form), bounded by {@code http.maxBodyBytes} (413), {@code Expect: 100-continue},
 * bad JSON; every error answered as JSON in the API's shape and nothing logged with a stack trace.
 */
class HttpBodyTest {
  static final String KEY = "dev-api-key"; // the README's key: its curl lines run verbatim
  static final int LIMIT = 4096;
  static final int TIMEOUT_MS = 10_000;
  static TestServer server;
  static Vertx vertx;
  LogCapture log;

  @BeforeAll
  static void start() {
    server = TestServer.start(o -> {
      o.getApi().setKey(KEY);
      o.getHttp().setMaxBodyBytes(LIMIT);
      o.getChannels().setMaxPublicationBytes(2 * LIMIT); // the body limit is under test, not the publication one
    });
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    server.close();
  }

  @BeforeEach
  void capture() {
    log = LogCapture.open();
  }

  @AfterEach
  void nothingLoggedWithAStackTrace() {
    log.close();
    assertThat(log.exceptions()).as("bad client input is never logged with a stack trace").isEmpty();
    assertThat(log.events()).as("nor as an error").noneMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR);
  }

  static String head(String method, String path, String... headers) {
    StringBuilder b = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + KEY + "\r\n");
    for (String h : headers) {
      b.append(h).append("\r\n");
    }
    return b.append("\r\n").toString();
  }

  static RawHttp.Response post(String path, byte[] body, String... headers) throws IOException {
    List<String> all = new ArrayList<>(List.of(headers));
    all.add("Content-Length: " + body.length);
    return RawHttp.exchange(server.port, head("POST", path, all.toArray(String[]::new)), body, TIMEOUT_MS);
  }

  /** A publish body of exactly {@code size} bytes. */
  static byte[] publishOfSize(String channel, int size) {
    String prefix = "{\"channel\":\"" + channel + "\",\"data\":\"";
    String suffix = "\"}";
    byte[] b = (prefix + "x".repeat(size - prefix.length() - suffix.length()) + suffix).getBytes(StandardCharsets.UTF_8);
    assertThat(b).hasSize(size);
    return b;
  }

  static void assertJsonError(RawHttp.Response r, int status, int code) {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.header("Content-Type")).startsWith("application/json");
    JsonObject err = new JsonObject(r.body()).getJsonObject("error");
    assertThat(err.getInteger("code")).as(r.body()).isEqualTo(code);
    assertThat(err.getString("message")).isNotBlank();
  }

  static void assertPublished(RawHttp.Response r) {
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getJsonObject("result").getString("id")).isNotBlank();
  }

  @Test
  void formContentTypeOverOneKilobyteIsReadAsJson() throws IOException {
    try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
      c.connect();
      c.subscribe("form");
      byte[] body = publishOfSize("form", 1500);
      assertPublished(post("/api/publish", body, "Content-Type: application/x-www-form-urlencoded"));
      assertThat(c.next().getJsonObject("push").getJsonObject("pub").getString("data")).matches("x{1400,}");
    }
  }

  @Test
  void bodyWithoutContentTypeIsReadAsJson() throws IOException {
    assertPublished(post("/api/publish", publishOfSize("plain", 2000)));
  }

  @Test
  void multipartContentTypeIsReadAsJsonToo() throws IOException {
    RawHttp.Response r = post("/api/publish", publishOfSize("mp", 100), "Content-Type: multipart/form-data; boundary=x");
    assertPublished(r);
  }

  @Test
  void bodyOfExactlyTheLimitIsAccepted() throws IOException {
    assertPublished(post("/api/publish", publishOfSize("limit", LIMIT), "Content-Type: application/x-www-form-urlencoded"));
  }

  @Test
  void oneBytePastTheLimitIs413Json() throws IOException {
    RawHttp.Response r = post("/api/publish", publishOfSize("limit", LIMIT + 1));
    assertJsonError(r, 413, 107);
    assertThat(r.body()).contains("http.maxBodyBytes");
  }

  @Test
  void chunkedBodyPastTheLimitIs413Json() throws IOException {
    byte[] body = publishOfSize("chunked", LIMIT + 500);
    try (RawHttp h = RawHttp.open(server.port, TIMEOUT_MS)) {
      h.send(head("POST", "/api/publish", "Transfer-Encoding: chunked"));
      for (int off = 0; off < body.length; off += 1000) {
        int n = Math.min(1000, body.length - off);
        h.send(Integer.toHexString(n) + "\r\n");
        h.send(java.util.Arrays.copyOfRange(body, off, off + n));
        h.send("\r\n");
      }
      h.send("0\r\n\r\n");
      assertJsonError(h.read(), 413, 107);
    }
  }

  @Test
  void chunkedBodyWithinTheLimitIsAccepted() throws IOException {
    byte[] body = publishOfSize("chunked", LIMIT - 10);
    try (RawHttp h = RawHttp.open(server.port, TIMEOUT_MS)) {
      h.send(head("POST", "/api/publish", "Transfer-Encoding: chunked"));
      h.send(Integer.toHexString(body.length) + "\r\n").send(body).send("\r\n0\r\n\r\n");
      assertPublished(h.read());
    }
  }

  @Test
  void expect100ContinueIsAnsweredThenTheBodyRead() throws IOException {
    byte[] body = publishOfSize("expect", 1200);
    try (RawHttp h = RawHttp.open(server.port, TIMEOUT_MS)) {
      h.send(head("POST", "/api/publish", "Expect: 100-continue", "Content-Length: " + body.length,
          "Content-Type: application/x-www-form-urlencoded"));
      assertThat(h.read().status()).isEqualTo(100);
      h.send(body);
      assertPublished(h.read());
    }
  }

  @Test
  void expect100ContinueOverTheLimitIs413WithoutContinue() throws IOException {
    try (RawHttp h = RawHttp.open(server.port, TIMEOUT_MS)) {
      h.send(head("POST", "/api/publish", "Expect: 100-continue", "Content-Length: " + (LIMIT + 1)));
      RawHttp.Response r = h.read();
      assertJsonError(r, 413, 107);
      assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
    }
  }

  @Test
  void invalidJsonIs400Json() throws IOException {
    assertJsonError(post("/api/publish", "{\"channel\":\"news\",\"data\":".getBytes(StandardCharsets.UTF_8),
        "Content-Type: application/x-www-form-urlencoded"), 400, 107);
    assertJsonError(post("/api/publish", "channel=news&data=1".getBytes(StandardCharsets.UTF_8),
        "Content-Type: application/x-www-form-urlencoded"), 400, 107);
    assertJsonError(post("/api/publish", new byte[] {'{', '"', (byte) 0xff, (byte) 0xfe, '"', ':', '1', '}'}), 400, 107);
  }

  @Test
  void bodyThatIsNotAnObjectOrIsEmptyIs400Json() throws IOException {
    assertJsonError(post("/api/publish", "[1,2]".getBytes(StandardCharsets.UTF_8)), 400, 107);
    assertJsonError(post("/api/publish", new byte[0]), 400, 107);
    assertJsonError(post("/api/broadcast", "\"x\"".getBytes(StandardCharsets.UTF_8)), 400, 107);
  }

  @Test
  void unknownPathIs404AndWrongMethodIs405Json() throws IOException {
    assertJsonError(RawHttp.exchange(server.port, head("GET", "/api/nope"), null, TIMEOUT_MS), 404, 104);
    assertJsonError(RawHttp.exchange(server.port, head("GET", "/nope"), null, TIMEOUT_MS), 404, 104);
    assertJsonError(RawHttp.exchange(server.port, head("GET", "/api/publish"), null, TIMEOUT_MS), 405, 104);
    assertJsonError(RawHttp.exchange(server.port, head("DELETE", "/health"), null, TIMEOUT_MS), 405, 104);
  }

  /** The README's "Try it" curl lines, verbatim but for the address (the test server's port). */
  @Test
  void readmeCurlExamplesWork() throws Exception {
    Assumptions.assumeTrue(onPath("curl"), "curl is not installed: the README's curl examples were not run");
    List<String> lines = Files.readAllLines(Repo.path("README.md"));
    int start = lines.indexOf("## Try it");
    List<String> curls = new ArrayList<>();
    for (int i = start; i < lines.size() && (i == start || !lines.get(i).startsWith("## ")); i++) {
      if (lines.get(i).startsWith("curl ")) {
        curls.add(lines.get(i));
      }
    }
    assertThat(curls).as("README Try it: /health and a publish with -d").hasSizeGreaterThanOrEqualTo(2)
        .anyMatch(l -> l.contains(" -d ") && l.contains("/api/publish"));
    try (WsTestClient c = WsTestClient.open(vertx, server.port)) {
      c.connect();
      c.subscribe("news");
      for (String curl : curls) {
        String cmd = curl.replace("localhost:8000", "127.0.0.1:" + server.port);
        Process p = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(cmd + " -> " + out).isZero();
        JsonObject reply = new JsonObject(out);
        assertThat(reply.containsKey("error")).as(cmd + " -> " + out).isFalse();
        if (cmd.contains("/api/publish")) {
          assertThat(reply.getJsonObject("result").getString("id")).isNotBlank();
          assertThat(c.next().getJsonObject("push").getJsonObject("pub").getJsonObject("data").getString("title")).isEqualTo("hello");
        } else {
          assertThat(reply.getString("status")).isEqualTo("ok");
        }
      }
    }
  }

  static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}
