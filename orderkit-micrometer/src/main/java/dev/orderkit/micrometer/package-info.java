/**
 * Micrometer support for orderkit: {@link dev.orderkit.micrometer.MicrometerInstrumentation}, an
 * {@code Instrumentation} that records meters (counters, timers, gauges with bounded tags) in a
 * {@code MeterRegistry} and wraps place, reserve and payment calls in Micrometer
 * {@code Observation}s, so Micrometer Tracing or OpenTelemetry see them as spans. The meters and
 * their tags are listed in the README "Observability" table.
 */
@NullMarked
package dev.orderkit.micrometer;

import org.jspecify.annotations.NullMarked;
