package dev.tributary.bus;


/**
 * One state update from a module. {@code payloadJson} is the state, already JSON text (encoded
 * once by the module client), so the record is immutable and crosses the local bus as is.
 */
public record ModuleUpdate(String moduleId, String key, Priority priority, String payloadJson) {}
