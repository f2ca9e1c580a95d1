/**
 * The embedded in-memory backends (the default): linearizable within one JVM — every operation of
 * every store takes effect at one instant between its call and its return — without a global lock.
 */
@NullMarked
package dev.orderkit.core.memory;

import org.jspecify.annotations.NullMarked;
