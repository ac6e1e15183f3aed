package dev.tributary.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.tributary.protocol.ProtocolCodec.BadFrameException;
import dev.tributary.protocol.pb.ClientProtocol;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** The Protobuf variant as a mapping onto the JSON one: commands in, replies and pushes out, bad frames. */
public class ProtobufCodecTest {

  static byte[] frame(com.google.protobuf.MessageLite... messages) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (com.google.protobuf.MessageLite m : messages) {
      m.writeDelimitedTo(out);
    }
    return out.toByteArray();
  }

  static ByteString json(String s) {
    return ByteString.copyFromUtf8(s);
  }

  static ClientProtocol.Reply reply(byte[] json) throws IOException {
    return ClientProtocol.Reply.parseFrom(ProtobufCodec.replyFromJson(json));
  }

  // ---- commands ------------------------------------------------------------------------------

  @Test
  void decodesSeveralDelimitedCommandsOfOneFrameIntoTheJsonParams() throws Exception {
    byte[] f = frame(
        ClientProtocol.Command.newBuilder().setId(1).setConnect(ClientProtocol.ConnectRequest.newBuilder()
            .setToken("t").setName("java").putSubs("news", ClientProtocol.SubscribeRequest.newBuilder()
                .setRecover(true).setOffset(7).setEpoch("e").build())).build(),
        ClientProtocol.Command.newBuilder().setId(2).setSubscribe(ClientProtocol.SubscribeRequest.newBuilder()
            .setChannel("hist:a").setRecover(true).setOffset(3).setEpoch("ep")).build(),
        ClientProtocol.Command.newBuilder().setId(3).setPublish(ClientProtocol.PublishRequest.newBuilder()
            .setChannel("chat:x").setData(json("{\"a\":[1,\"b\"]}"))).build(),
        ClientProtocol.Command.newBuilder().setId(4).setHistory(ClientProtocol.HistoryRequest.newBuilder()
            .setChannel("hist:a").setLimit(10).setSince(ClientProtocol.StreamPosition.newBuilder().setOffset(2).setEpoch("ep"))
            .setReverse(true)).build(),
        ClientProtocol.Command.getDefaultInstance());
    List<Command> cmds = ProtobufCodec.decode(f);
    assertThat(cmds).hasSize(5);
    assertThat(cmds.get(0)).isEqualTo(new Command(1, "connect", new JsonObject().put("token", "t").put("name", "java")
        .put("subs", new JsonObject().put("news", new JsonObject().put("recover", true).put("epoch", "e").put("offset", 7L)))));
    assertThat(cmds.get(1)).isEqualTo(new Command(2, "subscribe", new JsonObject().put("channel", "hist:a")
        .put("recover", true).put("epoch", "ep").put("offset", 3L)));
    assertThat(cmds.get(2)).isEqualTo(new Command(3, "publish", new JsonObject().put("channel", "chat:x")
        .put("data", new JsonObject().put("a", new JsonArray().add(1).add("b")))));
    assertThat(cmds.get(3)).isEqualTo(new Command(4, "history", new JsonObject().put("channel", "hist:a")
        .put("limit", 10).put("since", new JsonObject().put("offset", 2L).put("epoch", "ep")).put("reverse", true)));
    assertThat(cmds.get(4).isPong()).isTrue();
  }

  @Test
  void everyMethodOfTheJsonCodecHasItsProtobufCommand() throws Exception {
    List<Command> cmds = ProtobufCodec.decode(frame(
        ClientProtocol.Command.newBuilder().setId(1).setUnsubscribe(ClientProtocol.UnsubscribeRequest.newBuilder().setChannel("c")).build(),
        ClientProtocol.Command.newBuilder().setId(2).setPresence(ClientProtocol.PresenceRequest.newBuilder().setChannel("c")).build(),
        ClientProtocol.Command.newBuilder().setId(3).setPresenceStats(ClientProtocol.PresenceStatsRequest.newBuilder().setChannel("c")).build(),
        ClientProtocol.Command.newBuilder().setSend(ClientProtocol.SendRequest.newBuilder().setData(json("\"hi\""))).build(),
        ClientProtocol.Command.newBuilder().setId(5).setRpc(ClientProtocol.RPCRequest.newBuilder().setMethod("m").setData(json("5"))).build(),
        ClientProtocol.Command.newBuilder().setId(6).setRefresh(ClientProtocol.RefreshRequest.newBuilder().setToken("t2")).build(),
        ClientProtocol.Command.newBuilder().setId(7).setSubRefresh(ClientProtocol.SubRefreshRequest.newBuilder().setChannel("c").setToken("st")).build()));
    assertThat(cmds).extracting(Command::method)
        .containsExactly("unsubscribe", "presence", "presence_stats", "send", "rpc", "refresh", "sub_refresh");
    assertThat(ProtocolCodec.METHODS).containsAll(cmds.stream().map(Command::method).toList());
    assertThat(cmds.get(3)).isEqualTo(new Command(0, "send", new JsonObject().put("data", "hi")));
    assertThat(cmds.get(4).params()).isEqualTo(new JsonObject().put("data", 5).put("method", "m"));
    assertThat(cmds.get(5).params()).isEqualTo(new JsonObject().put("token", "t2"));
    assertThat(cmds.get(6).params()).isEqualTo(new JsonObject().put("channel", "c").put("token", "st"));
  }

  @Test
  void dataThatIsNotJsonMakesTheCommandInvalidNotTheFrame() throws Exception {
    for (byte[] data : List.of("not json".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xff, 0x01},
        "{\"a\":1} trailing".getBytes(StandardCharsets.UTF_8))) {
      List<Command> cmds = ProtobufCodec.decode(frame(ClientProtocol.Command.newBuilder().setId(9)
          .setPublish(ClientProtocol.PublishRequest.newBuilder().setChannel("c").setData(ByteString.copyFrom(data))).build()));
      assertThat(cmds.get(0).invalid()).as(new String(data, StandardCharsets.ISO_8859_1)).isEqualTo("bad request: data must be JSON");
      assertThat(cmds.get(0).params().containsKey("data")).isFalse();
    }
  }

  @Test
  void unknownFieldsAreSkipped() throws Exception {
    ClientProtocol.Command cmd = ClientProtocol.Command.newBuilder().setId(1)
        .setSubscribe(ClientProtocol.SubscribeRequest.newBuilder().setChannel("c")).build();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(body);
    cmd.writeTo(out);
    out.writeString(99, "from a newer client");
    out.writeUInt64(100, 5);
    out.flush();
    byte[] b = body.toByteArray();
    byte[] f = new byte[b.length + 1];
    f[0] = (byte) b.length;
    System.arraycopy(b, 0, f, 1, b.length);
    assertThat(ProtobufCodec.decode(f)).containsExactly(new Command(1, "subscribe", new JsonObject().put("channel", "c")));
  }

  /** Frames that close the connection with 3501; the gateway corpus test sends the same over a socket. */
  public static final List<byte[]> BAD_FRAMES = List.of(
      new byte[0],                                                  // empty frame
      new byte[] {(byte) 0x80},                                     // truncated length varint
      new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01}, // varint > 5 bytes
      new byte[] {0x05, 0x08, 0x01},                                // length past the end of the frame
      new byte[] {0x7f},                                            // length past the end, nothing after
      new byte[] {0x02, 0x08},                                      // one byte short inside
      new byte[] {0x03, (byte) 0xff, (byte) 0xff, (byte) 0xff},     // not a Command (truncated tag varint)
      new byte[] {0x02, 0x0e, 0x01},                                // wire type 6 (does not exist)
      new byte[] {0x02, 0x0b, 0x0c},                                // a group (wire type 3/4): not proto3
      new byte[] {0x03, 0x22, 0x05, 0x0a},                          // connect's length past the message
      new byte[] {0x02, 0x20, 0x01},                                // connect (field 4) with the varint wire type: no method
      new byte[] {0x02, 0x08, 0x05},                                // id without a method
      new byte[] {0x02, 0x5a, 0x00},                                // ping (field 11): not a method of protocol v2 commands here
      new byte[] {0x04, 0x2a, 0x00, 0x32, 0x00},                    // two methods (subscribe and unsubscribe) in one command
      new byte[] {0x02, 0x2a, 0x00},                                // subscribe without id
      new byte[] {0x00, 0x02, 0x2a});                               // a good pong, then a message past the end

  @Test
  void badFramesAreBadRequests() {
    for (byte[] f : BAD_FRAMES) {
      assertThatThrownBy(() -> ProtobufCodec.decode(f)).as(java.util.HexFormat.of().formatHex(f))
          .isInstanceOf(BadFrameException.class);
    }
  }

  // ---- replies and pushes --------------------------------------------------------------------

  @Test
  void jsonRepliesBecomeTheSameProtobufReplies() throws Exception {
    ClientProtocol.Reply connect = reply(ProtocolCodec.reply(1, "connect", new JsonObject().put("client", "c1")
        .put("version", "v").put("ping", 25).put("pong", true).put("subs", new JsonObject()
            .put("news", new JsonObject().put("recoverable", true).put("epoch", "e").put("offset", 4)))));
    assertThat(connect.getId()).isEqualTo(1);
    assertThat(connect.getConnect().getClient()).isEqualTo("c1");
    assertThat(connect.getConnect().getPing()).isEqualTo(25);
    assertThat(connect.getConnect().getPong()).isTrue();
    assertThat(connect.getConnect().getSubsOrThrow("news").getOffset()).isEqualTo(4);

    ClientProtocol.Reply sub = reply(ProtocolCodec.replyRaw(2, "subscribe", "{\"recoverable\":true,\"positioned\":true,"
        + "\"was_recovering\":true,\"recovered\":true,\"publications\":[{\"data\":{\"n\":1},\"info\":{\"client\":\"a\",\"user\":\"u\"},"
        + "\"offset\":3}],\"epoch\":\"ep\",\"offset\":3}"));
    ClientProtocol.SubscribeResult sr = sub.getSubscribe();
    assertThat(sr.getWasRecovering() && sr.getRecovered() && sr.getRecoverable() && sr.getPositioned()).isTrue();
    assertThat(sr.getPublications(0).getData().toStringUtf8()).isEqualTo("{\"n\":1}");
    assertThat(sr.getPublications(0).getInfo().getUser()).isEqualTo("u");
    assertThat(sr.getPublications(0).getOffset()).isEqualTo(3);

    ClientProtocol.Reply presence = reply(ProtocolCodec.reply(3, "presence", new JsonObject().put("presence",
        new JsonObject().put("c1", new JsonObject().put("client", "c1").put("user", "u1")))));
    assertThat(presence.getPresence().getPresenceOrThrow("c1").getUser()).isEqualTo("u1");
    assertThat(reply(ProtocolCodec.reply(4, "presence_stats", new JsonObject().put("num_clients", 2).put("num_users", 1)))
        .getPresenceStats().getNumClients()).isEqualTo(2);
    assertThat(reply(ProtocolCodec.reply(5, "rpc", new JsonObject().put("data", new JsonArray().add(1))))
        .getRpc().getData().toStringUtf8()).isEqualTo("[1]");
    ClientProtocol.Reply refresh = reply(ProtocolCodec.reply(6, "refresh", new JsonObject().put("client", "c1")
        .put("expires", true).put("ttl", 60)));
    assertThat(refresh.getRefresh().getExpires()).isTrue();
    assertThat(refresh.getRefresh().getTtl()).isEqualTo(60);
    assertThat(reply(ProtocolCodec.reply(7, "sub_refresh", new JsonObject().put("expires", true).put("ttl", 30)))
        .getSubRefresh().getTtl()).isEqualTo(30);
    ClientProtocol.Reply publish = reply(ProtocolCodec.reply(8, "publish", null));
    assertThat(publish.getId()).isEqualTo(8);
    assertThat(publish.hasPublish()).isTrue();

    ClientProtocol.Reply err = reply(ProtocolCodec.error(9, ErrorCodes.UNKNOWN_CHANNEL));
    assertThat(err.getError().getCode()).isEqualTo(102);
    assertThat(err.getError().getMessage()).isEqualTo("unknown channel");
  }

  @Test
  void pushesBecomeRepliesWithIdZero() throws Exception {
    ClientProtocol.Reply pub = reply(ProtocolCodec.publicationPush("ch", "{\"x\":\"é\"}", "{\"client\":\"c\",\"user\":\"u\"}", 12));
    assertThat(pub.getId()).isZero();
    assertThat(pub.getPush().getChannel()).isEqualTo("ch");
    assertThat(pub.getPush().getPub().getData().toStringUtf8()).isEqualTo("{\"x\":\"é\"}");
    assertThat(pub.getPush().getPub().getInfo().getClient()).isEqualTo("c");
    assertThat(pub.getPush().getPub().getOffset()).isEqualTo(12);
    ClientProtocol.Reply unsub = reply(ProtocolCodec.unsubscribePush("ch", 2500, "insufficient state"));
    assertThat(unsub.getPush().getUnsubscribe().getCode()).isEqualTo(2500);
    assertThat(unsub.getPush().getUnsubscribe().getReason()).isEqualTo("insufficient state");
    ClientProtocol.Reply join = reply(ProtocolCodec.joinLeavePush("ch", true, "c", "u"));
    assertThat(join.getPush().getJoin().getInfo().getClient()).isEqualTo("c");
    ClientProtocol.Reply leave = reply(ProtocolCodec.joinLeavePush("ch", false, "c", "u"));
    assertThat(leave.getPush().getLeave().getInfo().getUser()).isEqualTo("u");
    assertThat(ProtobufCodec.replyFromJson(ProtocolCodec.PING)).isEmpty();
  }

  @Test
  void sharedPushTranscodesOnceWhateverTheNumberOfCalls() {
    SharedPush p = new SharedPush(ProtocolCodec.publicationPush("ch", "1", null));
    LongAdder transcodes = new LongAdder();
    byte[] first = p.bytes(Encoding.PROTOBUF, transcodes);
    for (int i = 0; i < 100; i++) {
      assertThat(p.bytes(Encoding.PROTOBUF, transcodes)).isSameAs(first);
      assertThat(p.bytes(Encoding.JSON, transcodes)).isSameAs(p.json());
    }
    assertThat(transcodes.sum()).isEqualTo(1);
    SharedPush unused = new SharedPush(ProtocolCodec.publicationPush("ch", "1", null));
    unused.bytes(Encoding.JSON, transcodes);
    assertThat(transcodes.sum()).as("JSON only: never transcoded").isEqualTo(1);
  }
}
