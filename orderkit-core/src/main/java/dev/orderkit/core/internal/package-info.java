/** Implementation details; may change in any release. Not exported. */
@NullMarked
package dev.orderkit.core.internal;

import org.jspecify.annotations.NullMarked;
