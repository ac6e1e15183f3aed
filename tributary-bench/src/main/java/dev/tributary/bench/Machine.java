package dev.tributary.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the numbers were measured on. */
final class Machine {
  private Machine() {}

  static Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    int cpus = 0;
    String model = "?";
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
      for (String l : lines) {
        if (l.startsWith("processor")) {
          cpus++;
        } else if (l.startsWith("model name") && model.equals("?")) {
          model = l.substring(l.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      cpus = Runtime.getRuntime().availableProcessors();
    }
    m.put("cpus", cpus);
    m.put("cpuModel", model);
    m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("clientTransport", Net.transport());
    m.put("clientThreads", -1);
    return m;
  }
}
