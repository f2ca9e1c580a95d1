/** The embedded in-memory backends (the default), correct under concurrency within one JVM. */
package dev.orderkit.core.memory;
