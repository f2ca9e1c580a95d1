/**
 * orderkit public API: {@link dev.orderkit.core.OrderKit}, {@link dev.orderkit.core.OrderService},
 * {@link dev.orderkit.core.StockLedger}, value types and exceptions.
 */
package dev.orderkit.core;
