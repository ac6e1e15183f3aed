/**
 * The module coordinator: modules register and send prioritised updates ({@link
 * dev.tributary.bus.Priority}) through {@link dev.tributary.coordinator.ModuleClient};
 * {@link dev.tributary.coordinator.CoordinatorVerticle} debounces them per (module, key) ({@link
 * dev.tributary.coordinator.Debouncer}) under the current {@link dev.tributary.coordinator.Mode}
 * and passes them on to the batch processor. The debounce logic is a plain class with an injected
 * clock, tested without a server; the verticle only wires timers.
 *
 * <p>Threads: the verticle and its {@code Debouncer} run on the coordinator verticle's event loop
 * and are not thread-safe. {@code ModuleClient} is called from module verticles' threads and
 * {@code ModuleChannels} is read by gateway event loops; both say they are thread-safe. {@code
 * Mode} is immutable.
 */
package dev.tributary.coordinator;
