/**
 * orderkit public API: {@link dev.orderkit.core.OrderKit}, {@link dev.orderkit.core.OrderService},
 * {@link dev.orderkit.core.StockLedger}, value types and exceptions.
 */
@NullMarked
package dev.orderkit.core;

import org.jspecify.annotations.NullMarked;
