/**
 * Implementation details of the Redis backend: key layout, Lua script runner, codecs and the SPI
 * implementations. Not a public API; may change at any time.
 */
@NullMarked
package dev.orderkit.redis.internal;

import org.jspecify.annotations.NullMarked;
