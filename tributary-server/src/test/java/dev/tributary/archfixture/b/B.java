package dev.tributary.archfixture.b;

import dev.tributary.archfixture.a.A;

/** The other half of the deliberate package cycle in archfixture. */
public final class B {
  public A partner() {
    return new A();
  }
}
