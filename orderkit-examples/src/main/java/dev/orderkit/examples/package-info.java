/** Runnable examples of the published orderkit API; the README snippets are compiled from here. */
@NullMarked
package dev.orderkit.examples;

import org.jspecify.annotations.NullMarked;
