/** The payment gateway port and a simulated gateway for tests and demos. */
@NullMarked
package dev.orderkit.core.payment;

import org.jspecify.annotations.NullMarked;
