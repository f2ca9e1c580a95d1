package dev.orderkit.core.payment;

import java.time.Duration;

/**
 * Where the kit takes a permit before each call to the payment gateway ({@link PaymentPort}): the
 * pace at which it calls the gateway ({@link dev.orderkit.core.PaymentPacing}).
 *
 * <p>The kit's own is {@link dev.orderkit.core.PaymentPacing#perSecond(double) per JVM}. To share
 * one pace across every instance of the application, give a limiter over a store they all use (an
 * adapter over a distributed token bucket, e.g. Bucket4j on Redis or PostgreSQL: see
 * {@code RedisPaymentPermits} and {@code JdbcPaymentPermits}).
 *
 * <p>Implementations must be thread-safe and must not block: the kit waits between attempts itself
 * (and serves checkout authorizations before captures, voids and refunds while it waits).
 */
@FunctionalInterface
public interface PaymentPermits {

    /**
     * Takes one permit if one is available now.
     *
     * @return {@link Duration#ZERO} if a permit was taken; otherwise no permit was taken and the
     *     result is a positive estimate of how long until the next one is available
     * @throws RuntimeException if a shared limiter's store failed; the kit then waits briefly and
     *     tries again (it never calls the gateway without a permit)
     */
    Duration tryTake();
}
