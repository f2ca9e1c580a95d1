/** Implementation details of orderkit-stripe; may change at any time. */
package dev.orderkit.stripe.internal;
