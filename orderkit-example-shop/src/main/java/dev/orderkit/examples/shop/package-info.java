/**
 * A shop's HTTP API on orderkit, as a Spring Boot service to copy: orders (idempotent placement,
 * listing, cancel, fulfil, refunds), inventory with optimistic concurrency, the Stripe webhook,
 * API-key authentication where each store's key is its orderkit {@link dev.orderkit.core.Scope},
 * per-key rate limits and RFC 9457 problem details.
 */
@NullMarked
package dev.orderkit.examples.shop;

import org.jspecify.annotations.NullMarked;
