/**
 * Benchmark plumbing: service endpoints, the SKU workload, raw baselines and per-trial schemas.
 * Not an API; it changes with the benchmarks.
 */
package dev.orderkit.jmh.internal;
