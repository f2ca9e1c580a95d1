/** Service provider interfaces that storage backends implement; core owns the algorithms. */
package dev.orderkit.core.spi;
