package dev.tributary.bus;

/**
 * A module announces itself: its id, the channel its state is published to, and an optional
 * default key (updates without a key use it; null = "default").
 */
public record ModuleRegistration(String moduleId, String channel, String key) {}
