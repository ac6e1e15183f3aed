/** Metric names and the Prometheus registry wiring. Any thread. */
package dev.tributary.metrics;
