/** Implementation details of orderkit-stripe; may change at any time. */
@NullMarked
package dev.orderkit.stripe.internal;

import org.jspecify.annotations.NullMarked;
