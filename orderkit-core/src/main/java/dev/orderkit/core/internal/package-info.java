/** Implementation details; may change in any release. Not exported. */
package dev.orderkit.core.internal;
