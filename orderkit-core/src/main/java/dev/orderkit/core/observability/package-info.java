/**
 * Observability hooks of a kit: {@link dev.orderkit.core.observability.Instrumentation}, the small
 * interface core reports operations, outcomes, retries and background runs to. Core ships only the
 * no-op ({@link dev.orderkit.core.observability.Instrumentation#noop()}); the {@code orderkit-micrometer}
 * module implements it with Micrometer meters and observations, so applications without Micrometer
 * pull nothing. Core itself also puts request context into the SLF4J MDC (see the README
 * "Observability" section).
 */
@NullMarked
package dev.orderkit.core.observability;

import org.jspecify.annotations.NullMarked;
