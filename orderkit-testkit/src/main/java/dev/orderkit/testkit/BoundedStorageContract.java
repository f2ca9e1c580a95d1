package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.PurgeReport;
import dev.orderkit.core.Retention;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.InboxStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Storage stays flat: {@value #DEFAULT_CYCLES} order cycles (place, then fulfil or cancel, a
 * restock now and then and one inbox message each), with the test clock advancing one minute per
 * cycle and {@code OrderKit#purge()} every {@value #PURGE_EVERY} cycles (hourly retention windows).
 * After every purge the backend's {@link #footprint()} (row counts of every table but orders, key
 * counts and list lengths) is sampled; after the warm-up no count may exceed the largest seen
 * during the warm-up, and the conservation check still holds at the end.
 *
 * <p>The cycle count can be lowered for a quick local run with the system property
 * {@code orderkit.boundedStorage.cycles} (at least 1,000; see {@link #cycles()}). A backend proves itself with a concrete
 * subclass implementing {@link #createFixture()} and {@link #footprint()}.
 */
public abstract class BoundedStorageContract extends ContractSupport {
    /** Cycles of the default run. */
    protected static final int DEFAULT_CYCLES = 10_000;
    /** Cycles between purges. */
    protected static final int PURGE_EVERY = 100;

    private static final Scope SHOP = Scope.of("shop-1");
    private static final int WARM_UP = 500;
    private static final int WARM_UP_END = 1_000;

    /** Subclasses are created by JUnit. */
    protected BoundedStorageContract() {}

    /**
     * What the backend stores now, by kind (e.g. a table's row count, a key kind's count, the total
     * length of the movement lists). Orders are excluded: they are kept by default.
     *
     * @return counts by kind (insertion order is the report order)
     */
    protected abstract Map<String, Long> footprint();

    /**
     * Publishes the events the backend recorded (an outbox's pending rows become {@code SENT}), so
     * the purge has published events to delete. The default does nothing (no outbox).
     */
    protected void publishEvents() {}

    /**
     * How many cycles to run: {@value #DEFAULT_CYCLES}, or the system property
     * {@code orderkit.boundedStorage.cycles}; never fewer than 1,000 (the warm-up ends at 1,000).
     *
     * @return the cycle count
     */
    protected int cycles() {
        return Math.max(1_000, Integer.getInteger("orderkit.boundedStorage.cycles", DEFAULT_CYCLES));
    }

    @Test
    void storageStaysFlatOverManyOrderCycles() {
        int cycles = cycles();
        StockKey[] skus = {StockKey.of("flat-1"), StockKey.of("flat-2")};
        for (StockKey k : skus) {
            stockUp(k, cycles);
        }
        Retention retention = Retention.defaults()
                .withReservations(Duration.ofHours(1))
                .withMovements(Duration.ofHours(1))
                .withSentEvents(Duration.ofHours(1))
                .withInbox(Duration.ofHours(1));
        InboxStore inbox = fixture.inboxStore();
        OrderKit kit = kitBuilder(fixture, new SimulatedPaymentPort())
                .retention(retention)
                .inboxStore(inbox)
                .keyRetention(Duration.ofMinutes(30))
                .build();
        Map<String, Long> warmMax = new TreeMap<>();
        List<String> growth = new ArrayList<>();
        Map<String, Long> last = Map.of();
        long purged = 0;
        long started = System.nanoTime();
        for (int i = 1; i <= cycles; i++) {
            StockKey sku = skus[i % 2];
            PlaceOrderResult r = kit.orders()
                    .place(PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("cycle-" + i))
                            .paymentMethod("pm_card_visa")
                            .line(sku.sku(), 1, 250)
                            .build());
            assertThat(r.outcome()).as("cycle %d", i).isEqualTo(PlacementOutcome.PLACED);
            if (i % 3 == 0) {
                kit.orders().cancel(SHOP, r.order().id(), "cycle");
            } else {
                kit.orders().fulfil(SHOP, r.order().id());
            }
            if (i % 25 == 0) {
                kit.stock().adjust(sku, 1, "restock-" + i);
            }
            String msg = "test:cycle-" + i;
            assertThat(inbox.claim(msg, now(), Duration.ofMinutes(5))).isEqualTo(InboxStore.Claim.ACQUIRED);
            inbox.complete(msg, now());
            clock.advance(Duration.ofMinutes(1));
            if (i % PURGE_EVERY == 0) {
                publishEvents();
                PurgeReport report = kit.purge();
                assertThat(report.complete())
                        .as("purge at cycle %d: %s", i, report)
                        .isTrue();
                purged += report.total();
                last = footprint();
                if (i >= WARM_UP && i <= WARM_UP_END) {
                    last.forEach((k, v) -> warmMax.merge(k, v, Math::max));
                } else if (i > WARM_UP_END) {
                    for (var e : last.entrySet()) {
                        long max = warmMax.getOrDefault(e.getKey(), 0L);
                        if (e.getValue() > max) {
                            growth.add("cycle " + i + ": " + e.getKey() + " = " + e.getValue() + " > " + max);
                        }
                    }
                }
            }
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        Map<String, Long> report = new LinkedHashMap<>(last);
        System.out.printf(
                "bounded storage (%s): %d cycles in %d ms, %d records purged; footprint after warm-up (max) %s,"
                        + " at the end %s%n",
                fixture.description(), cycles, millis, purged, warmMax, report);
        assertThat(growth)
                .as("footprint grew after the warm-up (max during warm-up: %s)", warmMax)
                .isEmpty();
        assertThat(warmMax).isNotEmpty();
        for (var e : last.entrySet()) {
            assertThat(e.getValue())
                    .as("%s is bounded by the retention window, not by the %d cycles", e.getKey(), cycles)
                    .isLessThan(cycles / 2);
        }
        assertStockInvariants();
        long onHand = 0;
        for (StockKey k : skus) {
            StockLevel l = stock().level(k).orElseThrow();
            assertThat(l.reserved()).isZero();
            onHand += l.onHand();
        }
        long fulfilled = cycles - cycles / 3;
        assertThat(onHand).isEqualTo(2L * cycles - fulfilled + cycles / 25);
    }
}
