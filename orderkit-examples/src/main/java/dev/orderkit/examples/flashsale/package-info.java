/**
 * The flash-sale demo: a crowd of buyers racing for the last units of a few SKUs through the
 * public API ({@link dev.orderkit.examples.flashsale.FlashSaleDemo}).
 */
@NullMarked
package dev.orderkit.examples.flashsale;

import org.jspecify.annotations.NullMarked;
