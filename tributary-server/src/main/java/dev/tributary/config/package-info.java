/**
 * Configuration: {@link dev.tributary.config.TributaryOptions} and the per-concern
 * {@code *Options} classes (defaults as constants, JSON round-trip, validating setters), and
 * {@link dev.tributary.config.ConfigLoader}. Read once on the main thread at start-up.
 */
package dev.tributary.config;
