package dev.tributary.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProtocolCodecTest {

  @Test
  void decodesSeveralCommandsSeparatedByNewlines() throws Exception {
    List<Command> cmds = ProtocolCodec.decode(
        "{\"id\":1,\"connect\":{\"name\":\"js\"}}\n{\"id\":2,\"subscribe\":{\"channel\":\"a\"}}\n{}\n");
    assertThat(cmds).hasSize(3);
    assertThat(cmds.get(0).method()).isEqualTo("connect");
    assertThat(cmds.get(0).params().getString("name")).isEqualTo("js");
    assertThat(cmds.get(1).id()).isEqualTo(2);
    assertThat(cmds.get(1).params().getString("channel")).isEqualTo("a");
    assertThat(cmds.get(2).isPong()).isTrue();
  }

  @Test
  void rejectsMalformedJsonUnknownMethodsAndMissingIds() {
    assertThatThrownBy(() -> ProtocolCodec.decode("{nope")).hasMessage("malformed JSON");
    assertThatThrownBy(() -> ProtocolCodec.decode("[1,2]")).hasMessage("malformed JSON");
    assertThatThrownBy(() -> ProtocolCodec.decode("{\"id\":1,\"explode\":{}}")).hasMessageStartingWith("unknown command");
    assertThatThrownBy(() -> ProtocolCodec.decode("{\"subscribe\":{\"channel\":\"a\"}}")).hasMessage("command without id");
    assertThatThrownBy(() -> ProtocolCodec.decode("{\"id\":1}")).hasMessage("command without method");
    assertThatThrownBy(() -> ProtocolCodec.decode("{\"id\":1,\"subscribe\":5}")).hasMessageContaining("must be an object");
    assertThatThrownBy(() -> ProtocolCodec.decode("\n\n")).hasMessage("empty frame");
  }

  @Test
  void encodesRepliesErrorsAndPushesAsValidJson() {
    assertThat(new JsonObject(utf8(ProtocolCodec.reply(7, "subscribe", null))))
        .isEqualTo(new JsonObject().put("id", 7).put("subscribe", new JsonObject()));
    assertThat(new JsonObject(utf8(ProtocolCodec.error(3, ErrorCodes.PERMISSION_DENIED))))
        .isEqualTo(new JsonObject().put("id", 3).put("error",
            new JsonObject().put("code", 103).put("message", "permission denied")));
    JsonObject push = new JsonObject(utf8(ProtocolCodec.publicationPush("we\"ird\nchan", "{\"x\":[1,2]}", null)));
    assertThat(push.getJsonObject("push").getString("channel")).isEqualTo("we\"ird\nchan");
    assertThat(push.getJsonObject("push").getJsonObject("pub").getJsonObject("data").getJsonArray("x")).hasSize(2);
    JsonObject withInfo = new JsonObject(utf8(ProtocolCodec.publicationPush("c", "1",
        new JsonObject().put("client", "id").put("user", "u"))));
    assertThat(withInfo.getJsonObject("push").getJsonObject("pub").getJsonObject("info").getString("user")).isEqualTo("u");
  }

  private static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
