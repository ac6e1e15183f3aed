package dev.tributary.support;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.function.IntSupplier;

/**
 * Reads an HTTP API request body into one buffer, bounded, whatever its {@code Content-Type} says
 * (the API takes JSON; {@code curl -d} labels it as a form, and vertx-web's {@code BodyHandler}
 * would then decode it as one and fail on a field of more than a few KB). Runs on the request's
 * event loop.
 *
 * <ul>
 *   <li>A declared {@code Content-Length} over the limit fails the request with 413 before a byte
 *       of the body is read (and without {@code 100 Continue}: the client need not send it).
 *   <li>{@code Expect: 100-continue} is answered with {@code 100 Continue} once the body is wanted.
 *   <li>A body (chunked or not) that grows past the limit fails with 413 at that point; the rest
 *       of it is read and dropped, and the connection is closed after the answer.
 * </ul>
 *
 * The 413 goes through the router's error handler ({@code rc.fail(413)}), which gives it the API's
 * error shape; the body is then {@link #body(RoutingContext)}.
 */
public final class BodyReader implements Handler<RoutingContext> {
  private static final String KEY = "tributary.body";

  private final IntSupplier maxBytes;

  /** {@code maxBytes} is read per request (the live config). */
  public BodyReader(IntSupplier maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** The body read for this request (empty when there was none). */
  public static Buffer body(RoutingContext rc) {
    Buffer b = rc.get(KEY);
    return b == null ? Buffer.buffer() : b;
  }

  @Override
  public void handle(RoutingContext rc) {
    HttpServerRequest req = rc.request();
    int max = maxBytes.getAsInt();
    long declared = contentLength(req);
    if (declared > max) {
      tooLarge(rc);
      return;
    }
    if (req.isEnded()) {
      rc.put(KEY, Buffer.buffer());
      rc.next();
      return;
    }
    if (req.headers().contains(HttpHeaders.EXPECT, HttpHeaders.CONTINUE, true)) {
      req.response().writeContinue();
    }
    Buffer body = Buffer.buffer(declared > 0 ? (int) declared : 256);
    boolean[] over = {false};
    req.handler(chunk -> {
      if (over[0]) {
        return; // past the limit: read and dropped, the answer is already on its way
      }
      if ((long) body.length() + chunk.length() > max) {
        over[0] = true;
        tooLarge(rc);
        return;
      }
      body.appendBuffer(chunk);
    });
    req.exceptionHandler(err -> over[0] = true); // the connection went away mid-body: nothing to answer
    req.endHandler(v -> {
      if (!over[0]) {
        rc.put(KEY, body);
        rc.next();
      }
    });
  }

  /** The declared length, -1 when absent or not a number (then the bound applies as bytes arrive). */
  private static long contentLength(HttpServerRequest req) {
    String v = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (v == null) {
      return -1;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static void tooLarge(RoutingContext rc) {
    if (!rc.response().ended()) {
      // The client may still be sending: after this answer the connection is not reused.
      rc.response().putHeader(HttpHeaders.CONNECTION, "close");
      rc.fail(413);
    }
  }
}
