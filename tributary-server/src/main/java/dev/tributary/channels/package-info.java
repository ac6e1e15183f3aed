/** Channel naming and per-namespace permissions. Immutable; any thread. */
package dev.tributary.channels;
