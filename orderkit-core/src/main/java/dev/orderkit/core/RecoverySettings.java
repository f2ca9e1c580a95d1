package dev.orderkit.core;

import java.time.Duration;
import java.util.Objects;

/**
 * How the recovery sweep ({@link OrderService#recover()}) retries orders whose recovery fails, and
 * how much one sweep does. Immutable; see {@link #defaults()}.
 *
 * <p>After the k-th failed attempt on an order (counted since its last status change) the sweep
 * leaves it alone for {@code min(backoffMax, backoffBase × 2^(k-1))}; after {@code maxAttempts}
 * failed attempts it parks the order in {@link OrderStatus#NEEDS_ATTENTION}. One sweep works due
 * orders, earliest due first, in batches of {@code batchSize} until none is due or it has looked at
 * {@code maxOrdersPerSweep} of them.
 *
 * @param maxAttempts failed attempts after which an order is parked, 1..1000
 * @param backoffBase wait after the first failure, 1 ms .. 1 day
 * @param backoffMax cap of the doubling wait, {@code backoffBase} .. 30 days
 * @param batchSize due orders read per query, 1..1000
 * @param maxOrdersPerSweep due orders one sweep looks at, at most ({@code batchSize} .. 1,000,000)
 */
public record RecoverySettings(
        int maxAttempts, Duration backoffBase, Duration backoffMax, int batchSize, int maxOrdersPerSweep) {

    /**
     * Validates the settings.
     *
     * @throws InvalidRequestException naming the field and value that is out of range
     * @throws NullPointerException if a duration is null
     */
    public RecoverySettings {
        range(maxAttempts, "maxAttempts", 1, 1000);
        Objects.requireNonNull(backoffBase, "backoffBase");
        Objects.requireNonNull(backoffMax, "backoffMax");
        if (backoffBase.compareTo(Duration.ofMillis(1)) < 0 || backoffBase.compareTo(Duration.ofDays(1)) > 0) {
            throw new InvalidRequestException("backoffBase", backoffBase, "must be between 1 ms and 1 day");
        }
        if (backoffMax.compareTo(backoffBase) < 0 || backoffMax.compareTo(Duration.ofDays(30)) > 0) {
            throw new InvalidRequestException("backoffMax", backoffMax, "must be between backoffBase and 30 days");
        }
        range(batchSize, "batchSize", 1, 1000);
        range(maxOrdersPerSweep, "maxOrdersPerSweep", batchSize, 1_000_000);
    }

    private static void range(int v, String field, int min, int max) {
        if (v < min || v > max) {
            throw new InvalidRequestException(field, v, "must be between " + min + " and " + max);
        }
    }

    /**
     * The defaults: park after 10 failed attempts, back off from 30 s doubling up to 1 h (so an
     * order that fails every time is parked about 3 h 45 min after its first failure), batches of
     * 100, at most 10,000 orders per sweep.
     *
     * @return the defaults
     */
    public static RecoverySettings defaults() {
        return new RecoverySettings(10, Duration.ofSeconds(30), Duration.ofHours(1), 100, 10_000);
    }

    /**
     * The wait after the given number of failed attempts.
     *
     * @param failedAttempts failed attempts so far, at least 1
     * @return {@code min(backoffMax, backoffBase × 2^(failedAttempts-1))}
     */
    public Duration backoff(int failedAttempts) {
        int doublings = Math.max(0, Math.min(failedAttempts - 1, 40));
        Duration d = backoffBase;
        for (int i = 0; i < doublings && d.compareTo(backoffMax) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(backoffMax) > 0 ? backoffMax : d;
    }

    /**
     * Copy with another attempt limit.
     *
     * @param value failed attempts after which an order is parked
     * @return the copy
     */
    public RecoverySettings withMaxAttempts(int value) {
        return new RecoverySettings(value, backoffBase, backoffMax, batchSize, maxOrdersPerSweep);
    }

    /**
     * Copy with another backoff.
     *
     * @param base wait after the first failure
     * @param max cap of the doubling wait
     * @return the copy
     */
    public RecoverySettings withBackoff(Duration base, Duration max) {
        return new RecoverySettings(maxAttempts, base, max, batchSize, maxOrdersPerSweep);
    }

    /**
     * Copy with other sweep sizes.
     *
     * @param batch due orders read per query
     * @param perSweep due orders one sweep looks at, at most
     * @return the copy
     */
    public RecoverySettings withSweepSize(int batch, int perSweep) {
        return new RecoverySettings(maxAttempts, backoffBase, backoffMax, batch, perSweep);
    }
}
