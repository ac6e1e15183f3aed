package dev.tributary.it;

import dev.tributary.testing.Repo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tributary.testing.ServerProcess;
import dev.tributary.testing.WsTestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Writing a module" as a user does it: the example module project
 * ({@code tributary-example-module}, built by the reactor into {@code presence-module.jar}) dropped
 * into a folder given to {@code scripts/run --module-path}, and a module compiled on its own with
 * javac, run through {@code scripts/run --classpath} (or {@code TRIBUTARY_CLASSPATH}); each time
 * the stock fat jar runs it and its publications reach a WebSocket subscriber. Needs
 * {@code target/tributary.jar}: runs in the {@code integration-test} phase, after {@code package}
 * (pom.xml, execution {@code after-package}).
 */
class ModuleJarProcessTest {
  private static final Path ROOT = Repo.root();

  private static final String MODULE_SOURCE = """
      package com.example;

      import dev.tributary.coordinator.ModuleClient;
      import dev.tributary.bus.Priority;
      import io.vertx.core.Future;
      import io.vertx.core.VerticleBase;
      import io.vertx.core.json.JsonObject;

      public final class HelloModule extends VerticleBase {
        @Override
        public Future<?> start() {
          ModuleClient client = ModuleClient.create(vertx, "hello");
          String greeting = config().getString("greeting");
          // Every 200 ms: the subscriber gets one whenever it joins (whether or not the mode caches).
          return client.register("greetings").onSuccess(v -> vertx.setPeriodic(200, t ->
              client.update(Priority.HIGH, new JsonObject().put("greeting", greeting))));
        }
      }
      """;

  private static void assumePackaged() {
    assumeTrue(Boolean.getBoolean("tributary.packaged") && Files.isRegularFile(Repo.serverJar()),
        "runs after `package` (mvn verify, execution after-package): needs tributary-server/target/tributary.jar");
  }

  @Test
  void exampleModuleJarInModulePathFolderPublishesToSubscribers(@TempDir Path dir) throws Exception {
    assumePackaged();
    Path exampleJar = Repo.path("tributary-example-module/target/presence-module.jar");
    assertThat(exampleJar).as("built by the reactor before these tests (tributary-example-module)").isRegularFile();
    Path modules = Files.createDirectories(dir.resolve("modules"));
    Files.copy(exampleJar, modules.resolve("presence-module.jar"));
    JsonObject conf = new JsonObject()
        .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
        .put("modules", new io.vertx.core.json.JsonArray().add(new JsonObject()
            .put("class", "com.example.PresenceModule").put("config", new JsonObject().put("online", 7))));
    Files.writeString(dir.resolve("conf.json"), conf.encode());
    List<String> cmd = List.of(ROOT.resolve("scripts/run").toString(), "--module-path", "modules", "--conf", "conf.json");
    Vertx vertx = Vertx.vertx();
    try (ServerProcess p = new ServerProcess(cmd, dir, Map.of())) {
      int port = p.awaitPort();
      try (WsTestClient sub = WsTestClient.open(vertx, port)) {
        sub.connect();
        sub.subscribe("lobby");
        JsonObject data = sub.next().getJsonObject("push").getJsonObject("pub").getJsonObject("data");
        assertThat(data.getString("module")).isEqualTo("presence");
        assertThat(data.getJsonObject("state").getInteger("online")).isEqualTo(7);
      }
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void modulePathThatIsNotADirectoryExitsWith2NamingIt(@TempDir Path dir) throws Exception {
    assumePackaged();
    Path conf = writeConf(dir, "unused");
    Path missing = dir.resolve("no-such-folder");
    try (ServerProcess p = new ServerProcess(List.of(ROOT.resolve("scripts/run").toString(), "--module-path",
        missing.toString(), "--conf", conf.toString()), null, Map.of())) {
      assertThat(p.awaitExit(60)).isEqualTo(2);
      assertThat(p.output).containsExactly("scripts/run: --module-path " + missing + ": not a directory");
    }
  }

  @Test
  void moduleJarOnClasspathFlagPublishesToSubscribers(@TempDir Path dir) throws Exception {
    assumePackaged();
    buildModuleJar(dir);
    writeConf(dir, "from a jar");
    // Relative paths, run from the user's directory: they are the caller's, not the repository's.
    List<String> cmd = List.of(ROOT.resolve("scripts/run").toString(), "--classpath", "hello.jar", "--conf", "conf.json");
    assertGreetingReachesSubscriber(new ServerProcess(cmd, dir, Map.of()), "from a jar");
  }

  @Test
  void moduleJarInEnvironmentVariablePublishesToSubscribers(@TempDir Path dir) throws Exception {
    assumePackaged();
    Path jar = buildModuleJar(dir);
    Path conf = writeConf(dir, "from the environment");
    List<String> cmd = List.of(ROOT.resolve("scripts/run").toString(), "--conf", conf.toString());
    assertGreetingReachesSubscriber(new ServerProcess(cmd, null, Map.of("TRIBUTARY_CLASSPATH", jar.toString())),
        "from the environment");
  }

  @Test
  void moduleMissingFromClasspathExitsWith2SayingHowToAddIt(@TempDir Path dir) throws Exception {
    assumePackaged();
    Path conf = writeConf(dir, "unused");
    try (ServerProcess p = new ServerProcess(List.of(ROOT.resolve("scripts/run").toString(), "--conf", conf.toString()),
        null, Map.of())) {
      assertThat(p.awaitExit(60)).isEqualTo(2);
      assertThat(p.output).containsExactly("config: modules[0].class: class not found: com.example.HelloModule"
          + " (put its jar in a folder given to scripts/run --module-path DIR, or add it with scripts/run --classpath my.jar"
          + " or TRIBUTARY_CLASSPATH=my.jar; in Docker, mount it under /modules)");
    }
  }

  private static void assertGreetingReachesSubscriber(ServerProcess server, String greeting) throws Exception {
    Vertx vertx = Vertx.vertx();
    try (ServerProcess p = server) {
      int port = p.awaitPort();
      try (WsTestClient sub = WsTestClient.open(vertx, port)) {
        sub.connect();
        sub.subscribe("greetings");
        JsonObject data = sub.next().getJsonObject("push").getJsonObject("pub").getJsonObject("data");
        assertThat(data.getString("module")).isEqualTo("hello");
        assertThat(data.getJsonObject("state").getString("greeting")).isEqualTo(greeting);
      }
    } finally {
      vertx.close().await();
    }
  }

  private static Path writeConf(Path dir, String greeting) throws IOException {
    JsonObject conf = new JsonObject()
        .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
        .put("modules", new io.vertx.core.json.JsonArray().add(new JsonObject()
            .put("class", "com.example.HelloModule").put("config", new JsonObject().put("greeting", greeting))));
    return Files.writeString(dir.resolve("conf.json"), conf.encode());
  }

  /** Compiles {@link #MODULE_SOURCE} against the server's classes and packs it into hello.jar. */
  private static Path buildModuleJar(Path dir) throws IOException {
    Path src = dir.resolve("src/com/example/HelloModule.java");
    Path classes = dir.resolve("classes");
    Files.createDirectories(src.getParent());
    Files.createDirectories(classes);
    Files.writeString(src, MODULE_SOURCE);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertThat(javac).as("a JDK's compiler (javax.tools)").isNotNull();
    int rc = javac.run(null, null, null, "--release", "17", "-proc:none",
        "-cp", System.getProperty("java.class.path"), "-d", classes.toString(), src.toString());
    assertThat(rc).as("javac exit code").isZero();
    Path jar = dir.resolve("hello.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().putValue("Manifest-Version", "1.0");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
      String entry = "com/example/HelloModule.class";
      out.putNextEntry(new JarEntry(entry));
      Files.copy(classes.resolve(entry), out);
      out.closeEntry();
    }
    return jar;
  }
}
