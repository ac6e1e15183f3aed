package dev.tributary.bus;

/** The memory manager's pressure state, published on every change. */
public record MemoryPressure(boolean underPressure, long heapUsedBytes, long heapMaxBytes) {}
