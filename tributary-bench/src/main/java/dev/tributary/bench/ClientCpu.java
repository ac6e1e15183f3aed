package dev.tributary.bench;

import java.lang.management.ManagementFactory;

/** CPU time of this (load client) process. */
final class ClientCpu {
  private ClientCpu() {}

  static long nanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }
}
