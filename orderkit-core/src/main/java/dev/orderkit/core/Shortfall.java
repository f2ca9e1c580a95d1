package dev.orderkit.core;

import org.jspecify.annotations.Nullable;

/**
 * One line of a request that could not be satisfied.
 *
 * @param sku the SKU
 * @param location the location asked for, or {@code null} when any location was allowed
 * @param requested units requested
 * @param available units available when the request was evaluated
 */
public record Shortfall(String sku, @Nullable String location, long requested, long available) {}
