/** Implementation details of orderkit-webhooks; not an API. */
@NullMarked
package dev.orderkit.webhooks.internal;

import org.jspecify.annotations.NullMarked;
