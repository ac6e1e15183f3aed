/** Channel presence (who is subscribed) and join/leave. Thread-safe. */
package dev.tributary.presence;
