/**
 * Configuration: {@link dev.tributary.config.TributaryOptions} and the per-concern
 * {@code *Options} classes (defaults as constants, JSON round-trip, validating setters), each key
 * described once by an {@link dev.tributary.config.Option} in its class's
 * {@link dev.tributary.config.OptionSet} (listed in {@link dev.tributary.config.OptionRegistry}),
 * and {@link dev.tributary.config.ConfigLoader}. Read once on the main thread at start-up; a live
 * reload ({@code config.watch}) builds new instances on the watcher's event loop and never mutates
 * the running ones.
 */
package dev.tributary.config;
