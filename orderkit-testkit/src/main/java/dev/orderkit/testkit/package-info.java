/**
 * The backend contract suite of orderkit: abstract JUnit 5 test classes that every backend
 * (in-memory, JDBC, Redis, third-party) subclasses to prove it keeps the SPI semantics and the
 * design's invariants, plus the fixtures, clock, service resolution and invariant checker they use.
 *
 * <p>A backend proves itself by having a concrete subclass of each of {@link
 * dev.orderkit.testkit.StockStorageContract}, {@link dev.orderkit.testkit.IdempotencyStoreContract},
 * {@link dev.orderkit.testkit.OrderStoreContract}, {@link dev.orderkit.testkit.OrderQueryContract},
 * {@link dev.orderkit.testkit.OrderServiceContract},
 * {@link dev.orderkit.testkit.ConcurrencyContract}, {@link dev.orderkit.testkit.CrashRecoveryContract}
 * and {@link dev.orderkit.testkit.BadInputContract} in its tests, each implementing
 * {@code createFixture()}.
 */
@NullMarked
package dev.orderkit.testkit;

import org.jspecify.annotations.NullMarked;
