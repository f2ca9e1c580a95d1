/** A load client for the running shop service. */
@NullMarked
package dev.orderkit.examples.shop.load;

import org.jspecify.annotations.NullMarked;
