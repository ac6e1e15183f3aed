/**
 * Channel presence (who is subscribed): {@link dev.tributary.presence.PresenceStore}, in memory on
 * one node ({@link dev.tributary.presence.MemoryPresence}) or shared by every node in Redis with
 * entries that expire when their node dies ({@link dev.tributary.redis.presence.RedisPresence}).
 * Thread-safe: called from the gateway's event loops and the API; Redis answers come back on the
 * caller's context; the refresh runs on a Vert.x timer and on the Redis links' contexts.
 */
package dev.tributary.presence;
