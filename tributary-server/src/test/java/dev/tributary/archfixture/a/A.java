package dev.tributary.archfixture.a;

import dev.tributary.archfixture.b.B;

/** Half of a deliberate package cycle (a → b → a) that ArchitectureTest must detect. */
public final class A {
  public B partner() {
    return new B();
  }
}
