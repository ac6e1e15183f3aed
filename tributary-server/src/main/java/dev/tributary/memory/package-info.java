/**
 * The memory manager verticle and the pure heap-pressure rule ({@link dev.tributary.memory.HeapWatch}).
 * Runs on the memory manager's event loop.
 */
package dev.tributary.memory;
