/** Service provider interfaces that storage backends implement; core owns the algorithms. */
@NullMarked
package dev.orderkit.core.spi;

import org.jspecify.annotations.NullMarked;
