/**
 * Operations: run-time optimisation switches, rate sampling for the metrics summary, the metrics
 * API and dashboard data, and config reload. Thread-safe unless a class says otherwise.
 */
package dev.tributary.ops;
