/** Implementation details of orderkit-jdbc; may change at any time. */
@NullMarked
package dev.orderkit.jdbc.internal;

import org.jspecify.annotations.NullMarked;
