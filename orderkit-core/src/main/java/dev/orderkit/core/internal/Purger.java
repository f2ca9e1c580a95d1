package dev.orderkit.core.internal;

import dev.orderkit.core.Order;
import dev.orderkit.core.OrderArchiver;
import dev.orderkit.core.OrderKitConfig;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PurgeReport;
import dev.orderkit.core.Retention;
import dev.orderkit.core.observability.Operation;
import dev.orderkit.core.observability.Outcomes;
import dev.orderkit.core.observability.Timing;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.OrderStore;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntUnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The purge of {@code OrderKit#purge()}: decides what is old (the {@link Retention} windows on the
 * kit's clock) and calls the backends' retention primitives in bounded batches, each through the
 * backend retry policy (every primitive is idempotent). Thread-safe (stateless apart from the
 * immutable configuration); safe to run on every instance at once, since every primitive deletes
 * conditionally.
 */
public final class Purger {
    private static final Logger LOG = LoggerFactory.getLogger(Purger.class);
    /** The statuses an order never leaves. */
    static final Set<OrderStatus> TERMINAL_ORDERS = EnumSet.of(
            OrderStatus.FULFILLED,
            OrderStatus.CANCELLED,
            OrderStatus.REJECTED,
            OrderStatus.PAYMENT_DECLINED,
            OrderStatus.REFUNDED);

    private final OrderKitConfig config;
    private final Retries retries;
    private final @Nullable InboxStore inbox;

    /**
     * Creates the purger.
     *
     * @param config the kit's configuration (retention, backends, clock)
     * @param retries the kit's retry policies
     * @param inbox the inbox to purge, or null
     */
    public Purger(OrderKitConfig config, Retries retries, @Nullable InboxStore inbox) {
        this.config = config;
        this.retries = retries;
        this.inbox = inbox;
    }

    /** Counts batches of one kind; false once a kind stopped at the batch cap with work left. */
    private static final class Budget {
        boolean complete = true;
    }

    /**
     * Runs one purge.
     *
     * @return what was deleted
     */
    public PurgeReport purge() {
        Timing timing = retries.instrumentation().start(Operation.PURGE);
        PurgeReport report;
        try {
            report = purgeOnce();
        } catch (RuntimeException | Error e) {
            timing.failure(e);
            throw e;
        }
        retries.instrumentation().purged(report);
        timing.success(Outcomes.DONE);
        return report;
    }

    private PurgeReport purgeOnce() {
        Retention r = config.retention();
        Clock clock = config.clock();
        Instant now = clock.instant();
        Budget budget = new Budget();
        long keys = batches(budget, r, n -> config.idempotencyStore().purgeExpired(now, n));
        long reservations =
                batches(budget, r, n -> config.stockStorage().purgeReservations(now.minus(r.reservations()), n));
        long movements = batches(budget, r, n -> config.stockStorage().compactMovements(now.minus(r.movements()), n));
        long sent = batches(budget, r, n -> config.orderStore().purgeSentEvents(now.minus(r.sentEvents()), n))
                + batches(budget, r, n -> config.stockStorage().purgeSentEvents(now.minus(r.sentEvents()), n));
        InboxStore in = inbox;
        long messages = in == null ? 0 : batches(budget, r, n -> in.purgeCompleted(now.minus(r.inbox()), n));
        OrderArchiver archiver = r.orderArchiver();
        long orders = archiver == null ? 0 : purgeOrders(budget, r, archiver, now.minus(r.orders()));
        PurgeReport report = new PurgeReport(keys, reservations, movements, sent, messages, orders, budget.complete);
        if (report.total() > 0) {
            LOG.debug("orderkit purge: {}", report);
        }
        return report;
    }

    /** Calls a primitive until it returns less than a full batch, at most {@code maxBatches} times. */
    private long batches(Budget budget, Retention r, IntUnaryOperator primitive) {
        long total = 0;
        for (int i = 0; i < r.maxBatches(); i++) {
            int n = retries.backend(() -> primitive.applyAsInt(r.batchSize()));
            total += n;
            if (n < r.batchSize()) {
                return total;
            }
        }
        budget.complete = false;
        return total;
    }

    /** Archive, then delete, batch by batch: an archiver failure keeps the batch. */
    private long purgeOrders(Budget budget, Retention r, OrderArchiver archiver, Instant olderThan) {
        OrderStore store = config.orderStore();
        long total = 0;
        for (int i = 0; i < r.maxBatches(); i++) {
            List<Order> batch = retries.backend(() -> store.findStale(TERMINAL_ORDERS, olderThan, r.batchSize()));
            if (batch.isEmpty()) {
                return total;
            }
            archiver.archive(List.copyOf(batch));
            for (Order o : batch) {
                if (retries.backend(() -> store.delete(o.id(), o.version()))) {
                    total++;
                }
            }
            if (batch.size() < r.batchSize()) {
                return total;
            }
        }
        budget.complete = false;
        return total;
    }
}
