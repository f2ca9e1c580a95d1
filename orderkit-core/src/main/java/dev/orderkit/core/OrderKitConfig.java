package dev.orderkit.core;

import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.StepHook;
import dev.orderkit.core.spi.StepTransactions;
import dev.orderkit.core.spi.StockStorage;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The immutable configuration of one {@link OrderKit}, as {@link OrderKit.Builder#build()} resolved
 * it (defaults filled in). Readable from {@link OrderKit#config()}; the kit's services take their
 * settings from it and nothing else. Thread-safe (immutable; the backends it names are thread-safe).
 *
 * @param clock clock for leases, expiries and timestamps
 * @param stockStorage stock backend
 * @param idempotencyStore idempotency-key backend
 * @param orderStore order backend
 * @param eventSink where stock events go
 * @param paymentPort payment gateway
 * @param allocation how lines are allocated to locations
 * @param retry retry budgets of backend, conflict and payment calls
 * @param lease how long a placement holds its key before another caller may take it over
 * @param keyRetention how long a completed key's response is replayed
 * @param reservationTtl how long a placement's hold lives unconfirmed
 * @param stuckAfter how long an in-flight order must be untouched before {@code recover()} resumes it
 * @param inProgressWait how long {@code place} waits for a concurrent call with the same key
 * @param stepHook step observer
 * @param stepTransactions atomic phases of a transactional backend, or {@link StepTransactions#NONE}
 * @param combining hot-SKU combining of concurrent reservations (resolved: on or off)
 * @param retention what {@link OrderKit#purge()} deletes, and when
 * @param inboxStore the message inbox {@link OrderKit#purge()} purges, or {@code null} for none
 * @param recovery backoff, parking and sweep sizes of {@code OrderService.recover()}
 * @param maxHold the longest an order's hold may last since the order was placed, counting every
 *     {@link OrderService#extendHold} (at least {@code reservationTtl})
 * @param pacing the pace of payment calls
 * @param async asynchronous placement ({@code OrderService.submit}) and its payment workers
 */
public record OrderKitConfig(
        Clock clock,
        StockStorage stockStorage,
        IdempotencyStore idempotencyStore,
        OrderStore orderStore,
        EventSink eventSink,
        PaymentPort paymentPort,
        AllocationStrategy allocation,
        RetrySettings retry,
        Duration lease,
        Duration keyRetention,
        Duration reservationTtl,
        Duration stuckAfter,
        Duration inProgressWait,
        StepHook stepHook,
        StepTransactions stepTransactions,
        Combining combining,
        Retention retention,
        @Nullable InboxStore inboxStore,
        RecoverySettings recovery,
        Duration maxHold,
        PaymentPacing pacing,
        AsyncPlacement async) {

    /** The {@link #maxHold()} of a kit that does not set one: one hour, or the hold's TTL if longer. */
    public static final Duration DEFAULT_MAX_HOLD = Duration.ofHours(1);

    /** Rejects missing parts. */
    public OrderKitConfig {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(stockStorage, "stockStorage");
        Objects.requireNonNull(idempotencyStore, "idempotencyStore");
        Objects.requireNonNull(orderStore, "orderStore");
        Objects.requireNonNull(eventSink, "eventSink");
        Objects.requireNonNull(paymentPort, "paymentPort");
        Objects.requireNonNull(allocation, "allocation");
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(keyRetention, "keyRetention");
        Objects.requireNonNull(reservationTtl, "reservationTtl");
        Objects.requireNonNull(stuckAfter, "stuckAfter");
        Objects.requireNonNull(inProgressWait, "inProgressWait");
        Objects.requireNonNull(stepHook, "stepHook");
        Objects.requireNonNull(stepTransactions, "stepTransactions");
        Objects.requireNonNull(combining, "combining");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(recovery, "recovery");
        Objects.requireNonNull(maxHold, "maxHold");
        Objects.requireNonNull(pacing, "pacing");
        Objects.requireNonNull(async, "async");
    }

    /**
     * The configuration with the default {@link #maxHold()} ({@link #DEFAULT_MAX_HOLD}, or
     * {@code reservationTtl} if longer): the constructor before hold extension existed.
     *
     * @param clock clock
     * @param stockStorage stock backend
     * @param idempotencyStore idempotency-key backend
     * @param orderStore order backend
     * @param eventSink stock events
     * @param paymentPort payment gateway
     * @param allocation allocation strategy
     * @param retry retry budgets
     * @param lease placement lease
     * @param keyRetention key retention
     * @param reservationTtl hold of a placement
     * @param stuckAfter recovery age
     * @param inProgressWait wait for a concurrent call
     * @param stepHook step observer
     * @param stepTransactions atomic phases
     * @param combining hot-SKU combining
     * @param retention purge settings
     * @param inboxStore inbox or null
     * @param recovery recovery settings
     */
    public OrderKitConfig(
            Clock clock,
            StockStorage stockStorage,
            IdempotencyStore idempotencyStore,
            OrderStore orderStore,
            EventSink eventSink,
            PaymentPort paymentPort,
            AllocationStrategy allocation,
            RetrySettings retry,
            Duration lease,
            Duration keyRetention,
            Duration reservationTtl,
            Duration stuckAfter,
            Duration inProgressWait,
            StepHook stepHook,
            StepTransactions stepTransactions,
            Combining combining,
            Retention retention,
            @Nullable InboxStore inboxStore,
            RecoverySettings recovery) {
        this(
                clock,
                stockStorage,
                idempotencyStore,
                orderStore,
                eventSink,
                paymentPort,
                allocation,
                retry,
                lease,
                keyRetention,
                reservationTtl,
                stuckAfter,
                inProgressWait,
                stepHook,
                stepTransactions,
                combining,
                retention,
                inboxStore,
                recovery,
                reservationTtl.compareTo(DEFAULT_MAX_HOLD) > 0 ? reservationTtl : DEFAULT_MAX_HOLD,
                PaymentPacing.unlimited(),
                AsyncPlacement.defaults()
                        .withHoldTtl(
                                reservationTtl.compareTo(DEFAULT_MAX_HOLD) > 0 ? reservationTtl : DEFAULT_MAX_HOLD));
    }
}
