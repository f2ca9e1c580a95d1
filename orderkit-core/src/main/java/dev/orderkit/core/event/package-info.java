/** Events emitted on every state change. */
package dev.orderkit.core.event;
