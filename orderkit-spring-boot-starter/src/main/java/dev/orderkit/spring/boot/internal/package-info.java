/** Implementation details of the orderkit Spring Boot starter; may change at any time. */
@NullMarked
package dev.orderkit.spring.boot.internal;

import org.jspecify.annotations.NullMarked;
