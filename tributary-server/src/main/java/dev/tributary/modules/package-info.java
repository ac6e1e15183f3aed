/** Example module verticles that plug into the coordinator through {@link dev.tributary.coordinator.ModuleClient}. */
package dev.tributary.modules;
