package dev.tributary.hooks;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * A hook answered by an HTTP backend: {@code POST} of the proxy request JSON to the hook's URL
 * (Content-Type application/json, plus the client's allow-listed headers), as Centrifugo's HTTP
 * proxy does. One timer bounds the whole call (connect, send, answer): past it the request is
 * reset and the call fails with {@code timeout}. Not reachable → {@code unavailable}; a status
 * other than 200 → {@code status}; a body that is not the proxy response JSON, or larger than
 * {@code hooks.maxResponseBytes} → {@code malformed}.
 */
final class HttpHookCaller implements HookCaller {
  private final Vertx vertx;
  private final HttpClient client;
  private final String url;
  private final int timeoutMillis;
  private final int maxResponseBytes;

  HttpHookCaller(Vertx vertx, HttpClient client, String url, int timeoutMillis, int maxResponseBytes) {
    this.vertx = vertx;
    this.client = client;
    this.url = url;
    this.timeoutMillis = timeoutMillis;
    this.maxResponseBytes = maxResponseBytes;
  }

  @Override
  public Future<HookAnswer> call(JsonObject request, MultiMap headers) {
    Promise<HookAnswer> answer = Promise.promise();
    HttpClientRequest[] sent = new HttpClientRequest[1];
    long timer = vertx.setTimer(timeoutMillis, id -> {
      if (answer.tryFail(new HookFailure(HookFailure.TIMEOUT, "no answer from " + url + " within " + timeoutMillis + " ms"))) {
        HttpClientRequest r = sent[0];
        if (r != null) {
          r.reset();
        }
      }
    });
    answer.future().onComplete(ar -> vertx.cancelTimer(timer));
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
        .setConnectTimeout(timeoutMillis);
    Buffer body = request.toBuffer();
    client.request(options).onComplete(ar -> {
      if (ar.failed()) {
        answer.tryFail(unavailable(ar.cause()));
        return;
      }
      HttpClientRequest req = ar.result();
      if (answer.future().isComplete()) {
        req.reset(); // timed out while waiting for a pooled connection
        return;
      }
      sent[0] = req;
      if (headers != null) {
        req.headers().addAll(headers);
      }
      req.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
      req.send(body).onComplete(resp -> {
        if (resp.failed()) {
          answer.tryFail(unavailable(resp.cause()));
        } else {
          read(resp.result(), answer);
        }
      });
    });
    return answer.future();
  }

  /** The body, bounded; then the status and the JSON are checked. */
  private void read(HttpClientResponse resp, Promise<HookAnswer> answer) {
    // Set first: a reset below (or by the timeout) reports here, not as an unhandled error.
    resp.exceptionHandler(e -> answer.tryFail(unavailable(e)));
    if (resp.statusCode() != 200) {
      answer.tryFail(new HookFailure(HookFailure.STATUS, url + " answered HTTP " + resp.statusCode()));
      resp.request().reset();
      return;
    }
    String length = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && length.length() < 19 && length.chars().allMatch(Character::isDigit)
        && Long.parseLong(length) > maxResponseBytes) {
      answer.tryFail(tooLarge());
      resp.request().reset();
      return;
    }
    Buffer buf = Buffer.buffer();
    resp.handler(chunk -> {
      if (answer.future().isComplete()) {
        return;
      }
      if (buf.length() + chunk.length() > maxResponseBytes) {
        answer.tryFail(tooLarge());
        resp.request().reset();
        return;
      }
      buf.appendBuffer(chunk);
    });
    resp.endHandler(v -> {
      if (answer.future().isComplete()) {
        return;
      }
      Object json;
      try {
        json = Json.decodeValue(buf);
      } catch (DecodeException e) {
        answer.tryFail(new HookFailure(HookFailure.MALFORMED, url + " answered something that is not JSON"));
        return;
      }
      try {
        answer.tryComplete(HookAnswer.parse(json instanceof java.util.Map<?, ?> m ? new JsonObject(castMap(m)) : json));
      } catch (HookFailure f) {
        answer.tryFail(new HookFailure(f.reason(), url + ": " + f.getMessage()));
      }
    });
  }

  @SuppressWarnings("unchecked")
  private static java.util.Map<String, Object> castMap(java.util.Map<?, ?> m) {
    return (java.util.Map<String, Object>) m;
  }

  private HookFailure tooLarge() {
    return new HookFailure(HookFailure.MALFORMED, url + " answered more than hooks.maxResponseBytes (" + maxResponseBytes + ")");
  }

  private HookFailure unavailable(Throwable cause) {
    return new HookFailure(HookFailure.UNAVAILABLE, url + " not reachable: " + cause.getMessage());
  }

  @Override
  public String describe() {
    return "http " + url;
  }
}
