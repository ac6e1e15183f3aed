/**
 * The project's own load client and benchmark scenarios ({@code scripts/bench}): raw Netty
 * WebSocket and HTTP clients that parse pushes by scanning bytes, so the client is not the
 * bottleneck, and scenarios (fan-out, idle connections, HTTP publish, rate sweep) that can run
 * against a server JVM ({@link dev.tributary.bench.Bench}) or in-process (the smoke test); the
 * coordination pipeline ({@link dev.tributary.bench.PipelineScenario}) always runs its server
 * in-process, since modules reach the coordinator over that server's own event bus.
 */
package dev.tributary.bench;
