package dev.orderkit.core;

import java.time.Duration;
import java.util.Objects;

/**
 * Retry and circuit-breaker settings (applied with Failsafe). Immutable; see {@link #defaults()}.
 *
 * @param conflictMaxRetries retries of an optimistic-concurrency conflict or a lost allocation race
 * @param conflictBaseDelay first backoff delay for conflicts (jittered)
 * @param conflictMaxDelay cap of the conflict backoff
 * @param backendMaxRetries retries of a transient backend failure
 * @param backendBaseDelay first backoff delay for backend failures
 * @param backendMaxDelay cap of the backend backoff
 * @param paymentMaxRetries retries of a transient payment failure (always with the same key)
 * @param paymentBaseDelay first backoff delay for payment failures (a gateway's retry-after wins)
 * @param paymentMaxDelay cap of the payment backoff and of honoured retry-after hints
 * @param breakerFailureThreshold consecutive payment failures that open the circuit breaker
 * @param breakerOpenDelay how long the breaker stays open before a trial call
 * @param jitterFactor random jitter applied to every delay, 0..1
 */
public record RetrySettings(
        int conflictMaxRetries,
        Duration conflictBaseDelay,
        Duration conflictMaxDelay,
        int backendMaxRetries,
        Duration backendBaseDelay,
        Duration backendMaxDelay,
        int paymentMaxRetries,
        Duration paymentBaseDelay,
        Duration paymentMaxDelay,
        int breakerFailureThreshold,
        Duration breakerOpenDelay,
        double jitterFactor) {

    /** Validates the settings. */
    public RetrySettings {
        nonNegative(conflictMaxRetries, "conflictMaxRetries");
        nonNegative(backendMaxRetries, "backendMaxRetries");
        nonNegative(paymentMaxRetries, "paymentMaxRetries");
        if (breakerFailureThreshold < 1) {
            throw new InvalidRequestException("breakerFailureThreshold", breakerFailureThreshold, "must be >= 1");
        }
        delays(conflictBaseDelay, conflictMaxDelay, "conflict");
        delays(backendBaseDelay, backendMaxDelay, "backend");
        delays(paymentBaseDelay, paymentMaxDelay, "payment");
        Objects.requireNonNull(breakerOpenDelay, "breakerOpenDelay");
        if (!(jitterFactor >= 0 && jitterFactor <= 1)) {
            throw new InvalidRequestException("jitterFactor", jitterFactor, "must be between 0 and 1");
        }
    }

    private static void nonNegative(int v, String field) {
        if (v < 0 || v > 1000) {
            throw new InvalidRequestException(field, v, "must be between 0 and 1000");
        }
    }

    private static void delays(Duration base, Duration max, String prefix) {
        Objects.requireNonNull(base, prefix + "BaseDelay");
        Objects.requireNonNull(max, prefix + "MaxDelay");
        if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
            throw new InvalidRequestException(prefix + "MaxDelay", max, "must be >= " + prefix + "BaseDelay > 0");
        }
    }

    /**
     * Sane defaults: 20 conflict retries (1 ms .. 50 ms), 4 backend retries (20 ms .. 1 s),
     * 3 payment retries (100 ms .. 5 s), breaker opens after 5 failures for 30 s, jitter 0.25.
     *
     * @return the defaults
     */
    public static RetrySettings defaults() {
        return new RetrySettings(
                20,
                Duration.ofMillis(1),
                Duration.ofMillis(50),
                4,
                Duration.ofMillis(20),
                Duration.ofSeconds(1),
                3,
                Duration.ofMillis(100),
                Duration.ofSeconds(5),
                5,
                Duration.ofSeconds(30),
                0.25);
    }

    /**
     * No retries at all and tiny delays (for tests that want to see raw failures).
     *
     * @return settings without retries
     */
    public static RetrySettings none() {
        return new RetrySettings(
                0,
                Duration.ofMillis(1),
                Duration.ofMillis(1),
                0,
                Duration.ofMillis(1),
                Duration.ofMillis(1),
                0,
                Duration.ofMillis(1),
                Duration.ofMillis(1),
                1000,
                Duration.ofMillis(1),
                0);
    }

    /**
     * The longest one retried payment call can take: {@code 1 + paymentMaxRetries} attempts of at
     * most {@code callTimeout} each, and between them {@code paymentMaxRetries} delays of at most
     * {@code paymentMaxDelay × (1 + jitterFactor)} (the backoff and a gateway's retry-after hint are
     * both capped at {@code paymentMaxDelay}, and jitter may lengthen a delay by its factor). A kit's
     * lease must cover it (checked by {@link OrderKit.Builder#build()}), so that no other worker can
     * take a key over while its holder's payment call may still reach the gateway.
     *
     * @param callTimeout the longest one attempt can take ({@link
     *     dev.orderkit.core.payment.PaymentPort#callTimeout()})
     * @return the budget
     * @throws InvalidRequestException if {@code callTimeout} is negative
     * @throws ArithmeticException if the budget overflows a {@link Duration}
     */
    public Duration paymentCallBudget(Duration callTimeout) {
        Objects.requireNonNull(callTimeout, "callTimeout");
        if (callTimeout.isNegative()) {
            throw new InvalidRequestException("callTimeout", callTimeout, "must not be negative");
        }
        long maxDelayNanos = paymentMaxDelay.toNanos();
        Duration delay = Duration.ofNanos((long) Math.ceil(maxDelayNanos * (1 + jitterFactor)));
        return callTimeout.multipliedBy(1L + paymentMaxRetries).plus(delay.multipliedBy(paymentMaxRetries));
    }

    /**
     * Copy with other payment retry settings.
     *
     * @param maxRetries payment retries
     * @param baseDelay first delay
     * @param maxDelay cap
     * @return the copy
     */
    public RetrySettings withPaymentRetries(int maxRetries, Duration baseDelay, Duration maxDelay) {
        return new RetrySettings(
                conflictMaxRetries,
                conflictBaseDelay,
                conflictMaxDelay,
                backendMaxRetries,
                backendBaseDelay,
                backendMaxDelay,
                maxRetries,
                baseDelay,
                maxDelay,
                breakerFailureThreshold,
                breakerOpenDelay,
                jitterFactor);
    }

    /**
     * Copy with other circuit-breaker settings.
     *
     * @param failureThreshold consecutive failures that open it
     * @param openDelay how long it stays open
     * @return the copy
     */
    public RetrySettings withBreaker(int failureThreshold, Duration openDelay) {
        return new RetrySettings(
                conflictMaxRetries,
                conflictBaseDelay,
                conflictMaxDelay,
                backendMaxRetries,
                backendBaseDelay,
                backendMaxDelay,
                paymentMaxRetries,
                paymentBaseDelay,
                paymentMaxDelay,
                failureThreshold,
                openDelay,
                jitterFactor);
    }
}
