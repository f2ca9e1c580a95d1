/** Events emitted on every state change. */
@NullMarked
package dev.orderkit.core.event;

import org.jspecify.annotations.NullMarked;
