package dev.tributary.presence;

/** The presence contract against the one-node store. */
class MemoryPresenceTest extends PresenceStoreContract {
  @Override
  protected PresenceStore store() {
    return new MemoryPresence();
  }
}
