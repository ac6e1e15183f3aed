package dev.tributary.protocol;

/**
 * The encoding of one connection, chosen at the WebSocket upgrade by the
 * {@code Sec-WebSocket-Protocol} the client offered (see docs/PROTOCOL.md) and fixed for the
 * connection's life.
 */
public enum Encoding {
  /** Text frames, commands and replies as JSON objects separated by {@code \n}. */
  JSON,
  /** Binary frames, commands and replies as varint-length-delimited Protobuf messages. */
  PROTOBUF;

  /** The subprotocol a Protobuf client offers (the SDKs for Java, Swift, Dart, and centrifuge-js's protobuf build). */
  public static final String PROTOBUF_SUBPROTOCOL = "centrifuge-protobuf";
  /** The subprotocol a JSON client may offer (most send none). */
  public static final String JSON_SUBPROTOCOL = "centrifuge-json";

  /** The encoding for the subprotocol the server accepted (null when none was). */
  public static Encoding ofSubprotocol(String subprotocol) {
    return PROTOBUF_SUBPROTOCOL.equals(subprotocol) ? PROTOBUF : JSON;
  }
}
