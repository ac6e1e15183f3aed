package dev.tributary.protocol;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.tributary.protocol.ProtocolCodec.BadFrameException;
import dev.tributary.protocol.pb.ClientProtocol;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Centrifugo client protocol v2, Protobuf variant ({@code src/main/proto/client.proto}), as a
 * mapping onto the JSON variant: a Protobuf {@code Command} decodes into the same {@link Command}
 * (method and JSON params, field names as in the .proto, which are the JSON names), and a JSON
 * reply or push encodes into the Protobuf {@code Reply} with the same fields. The mapping walks
 * the messages' descriptors, so every command, reply and push the JSON codec handles (including
 * refresh and sub_refresh) has its Protobuf form without code of its own here.
 *
 * <p>{@code bytes} fields ({@code data}, {@code conn_info}, {@code chan_info}) carry JSON text:
 * JSON and Protobuf clients share channels, so a Protobuf client's {@code data} must be JSON (else
 * the command is answered 107), and a JSON value reaches a Protobuf client as its JSON bytes.
 * Unknown fields are skipped, as proto3 requires; a field with an unexpected wire type is an
 * unknown field to protobuf-java and skipped too.
 *
 * <p>Framing: one binary WebSocket message holds one or more messages, each preceded by its length
 * as a varint. An empty command is the pong, an empty reply the ping.
 *
 * <p>Stateless and thread-safe.
 */
public final class ProtobufCodec {
  private ProtobufCodec() {}

  /** The server ping: an empty Reply (its length prefix, 0, is added by the framing). */
  public static final byte[] PING = new byte[0];

  private static final Descriptor COMMAND = ClientProtocol.Command.getDescriptor();
  private static final FieldDescriptor COMMAND_ID = COMMAND.findFieldByNumber(ClientProtocol.Command.ID_FIELD_NUMBER);

  // ---- inbound -------------------------------------------------------------------------------

  /**
   * Decodes one binary frame: one or more varint-length-delimited {@code Command}s.
   *
   * @throws BadFrameException for an empty frame, a truncated or over-long varint, a length past
   *     the frame, bytes that are not a {@code Command}, or a command that is not valid protocol
   *     (no method or an unknown one, two methods, no id where one is needed)
   */
  public static List<Command> decode(byte[] frame) throws BadFrameException {
    if (frame.length == 0) {
      throw new BadFrameException("empty frame");
    }
    List<Command> out = new ArrayList<>(1);
    int pos = 0;
    while (pos < frame.length) {
      long len = 0;
      int shift = 0;
      while (true) {
        if (pos >= frame.length) {
          throw new BadFrameException("truncated length varint");
        }
        byte b = frame[pos++];
        len |= (long) (b & 0x7f) << shift;
        if (b >= 0) {
          break;
        }
        shift += 7;
        if (shift > 28) {
          throw new BadFrameException("length varint longer than 5 bytes");
        }
      }
      if (len > frame.length - pos) {
        throw new BadFrameException("message length " + len + " past the end of the frame");
      }
      out.add(decodeOne(frame, pos, (int) len));
      pos += (int) len;
    }
    return out;
  }

  static Command decodeOne(byte[] frame, int off, int len) throws BadFrameException {
    if (len == 0) {
      return Command.PONG;
    }
    ClientProtocol.Command cmd;
    try {
      cmd = ClientProtocol.Command.parser().parseFrom(frame, off, len);
    } catch (InvalidProtocolBufferException e) {
      throw new BadFrameException("not a Command: " + e.getMessage());
    }
    String method = null;
    Message request = null;
    for (Map.Entry<FieldDescriptor, Object> e : cmd.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (f == COMMAND_ID) {
        continue;
      }
      if (method != null) {
        throw new BadFrameException("more than one method in a command");
      }
      method = f.getName();
      request = (Message) e.getValue();
    }
    long id = Integer.toUnsignedLong(cmd.getId());
    if (method == null) {
      if (id == 0 && cmd.getUnknownFields().asMap().isEmpty()) {
        return Command.PONG; // all fields at their defaults: an empty command
      }
      throw new BadFrameException("command without method");
    }
    if (!ProtocolCodec.METHODS.contains(method)) {
      throw new BadFrameException("unknown command: " + method);
    }
    if (id == 0 && !method.equals("send")) {
      throw new BadFrameException("command without id");
    }
    String[] invalid = new String[1];
    JsonObject params = toJson(request, invalid);
    return new Command(id, method, params, invalid[0]);
  }

  /** A message as JSON: its set fields under their .proto names; bytes fields parsed as JSON. */
  static JsonObject toJson(Message m, String[] invalid) {
    JsonObject json = new JsonObject();
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      Object v = e.getValue();
      if (f.isMapField()) {
        JsonObject map = new JsonObject();
        for (Object entry : (List<?>) v) {
          Message me = (Message) entry;
          Descriptor ed = me.getDescriptorForType();
          Object key = me.getField(ed.findFieldByNumber(1));
          map.put(String.valueOf(key), scalar(ed.findFieldByNumber(2), me.getField(ed.findFieldByNumber(2)), invalid));
        }
        json.put(f.getName(), map);
      } else if (f.isRepeated()) {
        JsonArray arr = new JsonArray();
        for (Object item : (List<?>) v) {
          arr.add(scalar(f, item, invalid));
        }
        json.put(f.getName(), arr);
      } else {
        Object value = scalar(f, v, invalid);
        if (value != ABSENT) {
          json.put(f.getName(), value);
        }
      }
    }
    return json;
  }

  private static final Object ABSENT = new Object();

  private static Object scalar(FieldDescriptor f, Object v, String[] invalid) {
    return switch (f.getJavaType()) {
      case MESSAGE -> toJson((Message) v, invalid);
      case BYTE_STRING -> jsonValue(f, (ByteString) v, invalid);
      case ENUM -> ((com.google.protobuf.Descriptors.EnumValueDescriptor) v).getNumber();
      case INT -> f.getType() == FieldDescriptor.Type.UINT32 || f.getType() == FieldDescriptor.Type.FIXED32
          ? Integer.toUnsignedLong((Integer) v) : v;
      default -> v; // String, Boolean, Long (uint64 offsets stay below 2^63), Float, Double
    };
  }

  /** A bytes field's JSON value; empty bytes are no value at all (the field is left out). */
  private static Object jsonValue(FieldDescriptor f, ByteString bytes, String[] invalid) {
    if (bytes.isEmpty()) {
      return ABSENT;
    }
    if (!bytes.isValidUtf8()) {
      invalid[0] = "bad request: " + f.getName() + " must be JSON";
      return ABSENT;
    }
    try {
      return Json.decodeValue(Buffer.buffer(bytes.toByteArray()));
    } catch (DecodeException | IllegalStateException e) {
      invalid[0] = "bad request: " + f.getName() + " must be JSON";
      return ABSENT;
    }
  }

  // ---- outbound ------------------------------------------------------------------------------

  /**
   * A JSON reply or push ({@link ProtocolCodec}'s bytes) as a Protobuf {@code Reply}, without
   * length prefix. The JSON ping {@code {}} is the empty Reply.
   */
  public static byte[] replyFromJson(byte[] json) {
    JsonObject obj = new JsonObject(Buffer.buffer(json));
    ClientProtocol.Reply.Builder b = ClientProtocol.Reply.newBuilder();
    merge(obj, b);
    return b.build().toByteArray();
  }

  /** Sets the builder's fields from the JSON object's keys of the same names; other keys are dropped. */
  static void merge(JsonObject json, Message.Builder b) {
    Descriptor d = b.getDescriptorForType();
    for (Map.Entry<String, Object> e : json) {
      FieldDescriptor f = d.findFieldByName(e.getKey());
      Object v = e.getValue();
      if (f == null || v == null) {
        continue;
      }
      if (f.isMapField()) {
        if (v instanceof JsonObject map) {
          for (Map.Entry<String, Object> me : map) {
            Message.Builder entry = b.newBuilderForField(f);
            Descriptor ed = entry.getDescriptorForType();
            entry.setField(ed.findFieldByNumber(1), me.getKey());
            FieldDescriptor vf = ed.findFieldByNumber(2);
            Object val = fromJson(vf, me.getValue(), entry);
            if (val != null) {
              entry.setField(vf, val);
            }
            b.addRepeatedField(f, entry.build());
          }
        }
      } else if (f.isRepeated()) {
        if (v instanceof JsonArray arr) {
          for (Object item : arr) {
            Object val = fromJson(f, item, b);
            if (val != null) {
              b.addRepeatedField(f, val);
            }
          }
        }
      } else {
        Object val = fromJson(f, v, b);
        if (val != null) {
          b.setField(f, val);
        }
      }
    }
  }

  /** One JSON value as the field's Java value; null when it does not fit the field (dropped). */
  private static Object fromJson(FieldDescriptor f, Object v, Message.Builder parent) {
    switch (f.getJavaType()) {
      case MESSAGE:
        if (!(v instanceof JsonObject o)) {
          return null;
        }
        Message.Builder sub = parent.newBuilderForField(f);
        merge(o, sub);
        return sub.build();
      case BYTE_STRING:
        return ByteString.copyFromUtf8(Json.encode(v)); // the JSON text of the value
      case STRING:
        return v instanceof String s ? s : null;
      case BOOLEAN:
        return v instanceof Boolean bool ? bool : null;
      case INT:
        return v instanceof Number n ? (int) n.longValue() : null;
      case LONG:
        return v instanceof Number n ? n.longValue() : null;
      default:
        return null;
    }
  }
}
