/** The payment gateway port and a simulated gateway for tests and demos. */
package dev.orderkit.core.payment;
