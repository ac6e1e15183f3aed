package dev.tributary.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real-socket WebSocket test client (Vert.x WebSocketClient), speaking the client protocol as a
 * conformant client does (connect, subscribe, replies matched by id). Frames are queued as they
 * arrive; the test thread waits for them with a timeout (waiting for an event, never sleeping).
 * For frames a conformant client never sends, or a client that stops reading, see
 * {@link RawWsClient} (why there are two: its class comment).
 */
public final class WsTestClient implements AutoCloseable {
  public static final long TIMEOUT_SECONDS = 10;

  private final WebSocketClient client;
  private final WebSocket ws;
  private final LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
  private final ArrayDeque<String> lines = new ArrayDeque<>();
  /** Lines passed over while looking for a reply, handed out by {@link #next()} first. */
  private final ArrayDeque<JsonObject> stash = new ArrayDeque<>();
  private final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final AtomicLong ids = new AtomicLong();
  private volatile boolean autoPong;
  private volatile String closeReason;

  private WsTestClient(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.textMessageHandler(text -> {
      if (autoPong) {
        for (String line : text.split("\n")) {
          if (line.equals("{}")) {
            ws.writeTextMessage("{}");
          }
        }
      }
      frames.add(text);
    });
    ws.closeHandler(v -> {
      closeReason = ws.closeReason();
      closed.complete(ws.closeStatusCode() == null ? -1 : (int) ws.closeStatusCode());
    });
  }

  public static WsTestClient open(Vertx vertx, int port) {
    return open(vertx, port, "/connection/websocket", io.vertx.core.MultiMap.caseInsensitiveMultiMap());
  }

  /** A client of the WebSocket at {@code uri} (a path with its query). */
  public static WsTestClient open(Vertx vertx, int port, String uri) {
    return open(vertx, port, uri, io.vertx.core.MultiMap.caseInsensitiveMultiMap());
  }

  /** As {@link #open(Vertx, int)}, with extra headers on the upgrade request. */
  public static WsTestClient open(Vertx vertx, int port, io.vertx.core.MultiMap headers) {
    return open(vertx, port, "/connection/websocket", headers);
  }

  /** A client of the WebSocket at {@code uri} (a path with its query), with extra headers on the upgrade request. */
  public static WsTestClient open(Vertx vertx, int port, String uri, io.vertx.core.MultiMap headers) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxFrameSize(64 << 20).setMaxMessageSize(64 << 20));
    try {
      WebSocketConnectOptions options = new WebSocketConnectOptions()
          .setHost("127.0.0.1").setPort(port).setURI(uri);
      headers.forEach(options::addHeader);
      // Handlers set as the connect completes, on the event loop: a server that speaks first
      // (the Pusher protocol) is heard from its first frame.
      return client.connect(options)
          .map(ws -> new WsTestClient(client, ws))
          .await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot open websocket", e);
    }
  }

  /** Answers every server ping with a pong from now on. */
  public WsTestClient autoPong() {
    this.autoPong = true;
    return this;
  }

  public long nextId() {
    return ids.incrementAndGet();
  }

  public void send(String text) {
    ws.writeTextMessage(text);
  }

  /** Sends a command and returns its id. */
  public long command(String method, JsonObject params) {
    long id = nextId();
    send(new JsonObject().put("id", id).put(method, params).encode());
    return id;
  }

  /** The next whole frame as sent by the server. */
  public String nextFrame() {
    if (!lines.isEmpty()) {
      throw new IllegalStateException("lines of an earlier frame are still unread");
    }
    return pollFrame();
  }

  private String pollFrame() {
    try {
      String f = frames.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (f == null) {
        throw new AssertionError("no frame within " + TIMEOUT_SECONDS + " s");
      }
      return f;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The next protocol line (reply or push), skipping server pings. */
  public JsonObject next() {
    if (!stash.isEmpty()) {
      return stash.poll();
    }
    return nextFromSocket();
  }

  private JsonObject nextFromSocket() {
    while (true) {
      if (lines.isEmpty()) {
        for (String l : pollFrame().split("\n")) {
          lines.add(l);
        }
      }
      String line = lines.poll();
      if (!line.equals("{}")) {
        return new JsonObject(line);
      }
    }
  }

  /**
   * The data of the next publication if one arrives within {@code millis}, else null (for tests
   * that probe whether something arrives at all).
   */
  public String pollNext(long millis) {
    if (stash.isEmpty() && lines.isEmpty()) {
      try {
        String f = frames.poll(millis, TimeUnit.MILLISECONDS);
        if (f == null) {
          return null;
        }
        for (String l : f.split("\n")) {
          lines.add(l);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    JsonObject m = next();
    JsonObject push = m.getJsonObject("push");
    return push == null ? null : String.valueOf(push.getJsonObject("pub").getValue("data"));
  }

  /** The next line that is a reply to {@code id}, failing on anything else but pushes. */
  public JsonObject reply(long id) {
    for (JsonObject m : stash) {
      if (m.containsKey("id") && m.getLong("id") == id) {
        stash.remove(m);
        return m;
      }
    }
    while (true) {
      JsonObject m = nextFromSocket();
      if (m.containsKey("id") && m.getLong("id") == id) {
        return m;
      }
      stash.add(m);
    }
  }

  public JsonObject connect() {
    return connect(new JsonObject());
  }

  public JsonObject connect(JsonObject params) {
    return reply(command("connect", params));
  }

  public JsonObject subscribe(String channel) {
    return reply(command("subscribe", new JsonObject().put("channel", channel)));
  }

  /** The close code the server sent, waiting for the close. */
  public int awaitClose() {
    try {
      return closed.get(TIMEOUT_SECONDS * 2, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("connection not closed within " + TIMEOUT_SECONDS * 2 + " s", e);
    }
  }

  /** The reason of the server's close frame (after {@link #awaitClose()}). */
  public String closeReason() {
    return closeReason;
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  @Override
  public void close() {
    if (!closed.isDone()) {
      ws.close();
    }
    client.close();
  }
}
