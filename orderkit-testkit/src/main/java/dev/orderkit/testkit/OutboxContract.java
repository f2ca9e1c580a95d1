package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OutboxRelay;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.observability.Instrumentation;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.OutboxEntry;
import dev.orderkit.core.spi.OutboxStore;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StockEvents;
import dev.orderkit.core.spi.TransitionResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Contract of the transactional outbox (issue 17): every stock change records its event with the
 * change in the backend's outbox ({@link BackendFixture#outboxStore()}), and core's
 * {@link OutboxRelay} over the backend's claim and mark primitives delivers them at least once,
 * with stable ids, in commit order per aggregate; a failing event holds back only its own
 * aggregate, becomes a dead letter after its last attempt, can be listed and redriven; delivered
 * events are purged by retention.
 *
 * <p>"A crash between the change and its delivery" is the state these tests start from: the change
 * is committed, no sink was ever called (the process that made it is gone), and a new relay
 * instance over the same backend delivers. A backend proves itself with a concrete subclass that
 * implements {@link #createFixture()} with a fixture that has an outbox.
 */
public abstract class OutboxContract extends ContractSupport {
    private static final Duration HOUR = Duration.ofHours(1);

    /** Subclasses are created by JUnit. */
    protected OutboxContract() {}

    /** A sink that records what it received and fails the events a predicate picks. */
    protected static final class RecordingSink implements EventSink {
        private final List<OrderKitEvent> received = Collections.synchronizedList(new ArrayList<>());
        private final Map<String, Integer> failures = new ConcurrentHashMap<>();
        private volatile Predicate<OrderKitEvent> fail = e -> false;

        @Override
        public void publish(OrderKitEvent event) {
            if (fail.test(event)) {
                failures.merge(event.id(), 1, Integer::sum);
                throw new IllegalStateException("injected delivery failure of " + event.id());
            }
            received.add(event);
        }

        void failWhen(Predicate<OrderKitEvent> p) {
            fail = p;
        }

        List<OrderKitEvent> received() {
            synchronized (received) {
                return List.copyOf(received);
            }
        }

        List<String> ids(String subject) {
            return received().stream()
                    .filter(e -> e.subjectId().equals(subject))
                    .map(OrderKitEvent::id)
                    .toList();
        }
    }

    private OutboxStore outbox() {
        return fixture.outboxStore();
    }

    private OutboxRelay relay(EventSink sink, int maxAttempts) {
        return new OutboxRelay(
                outbox(),
                sink,
                new OutboxRelay.Settings(100, maxAttempts, Duration.ofSeconds(1), Duration.ofSeconds(8), HOUR),
                clock,
                Instrumentation.noop());
    }

    /** Rounds until one delivers nothing, advancing the clock past every backoff between rounds. */
    private void deliverAll(OutboxRelay relay) {
        for (int i = 0; i < 50; i++) {
            int n = relay.runOnce();
            if (n == 0 && outbox().count(OutboxStore.Status.PENDING) == 0) {
                return;
            }
            clock.advance(Duration.ofSeconds(10));
        }
    }

    private void reserve(String id, StockKey key, long q) {
        assertThat(stock().reserve(id, List.of(new AllocatedLine(key, q)), now().plus(HOUR), now()))
                .isInstanceOf(ReserveResult.Reserved.class);
    }

    private void apply(String id, ReservationTransition t) {
        assertThat(stock().transition(id, t, now())).isInstanceOf(TransitionResult.Applied.class);
    }

    @Test
    void stockStorageRecordsItsEvents() {
        assertThat(stock().recordsEvents()).isTrue();
    }

    @Test
    void everyStockChangeIsRecordedWithItAndDeliveredByANewRelayAfterACrash() {
        StockKey key = StockKey.of("outbox-a");
        stock().adjust(key, 10, "restock-1", now());
        reserve("r-1", key, 2);
        apply("r-1", ReservationTransition.COMMIT);
        apply("r-1", ReservationTransition.FULFIL);
        reserve("r-2", key, 1);
        apply("r-2", ReservationTransition.RELEASE);
        stock().reserve("r-3", List.of(new AllocatedLine(key, 1)), now().plusSeconds(1), now());
        clock.advance(Duration.ofSeconds(2));
        assertThat(stock().expireAll(List.of("r-3"), now())).hasSize(1);
        // the process that made these changes is gone: no sink saw anything. A new relay delivers.
        RecordingSink sink = new RecordingSink();
        deliverAll(relay(sink, 10));
        assertThat(sink.ids(StockEvents.subjectOf(key)))
                .containsExactly(StockEvents.subjectOf(key) + ":stock_adjusted:restock-1");
        assertThat(sink.ids("r-1"))
                .containsExactly("r-1:stock_reserved:0", "r-1:reservation_committed:1", "r-1:reservation_fulfilled:1");
        assertThat(sink.ids("r-2")).containsExactly("r-2:stock_reserved:0", "r-2:reservation_released:1");
        assertThat(sink.ids("r-3")).containsExactly("r-3:stock_reserved:0", "r-3:reservation_expired:1");
        assertThat(outbox().count(OutboxStore.Status.PENDING)).isZero();
    }

    @Test
    void aRejectedChangeRecordsNoEvent() {
        StockKey key = StockKey.of("outbox-short");
        stock().adjust(key, 1, "restock-1", now());
        assertThat(stock().reserve("too-big", List.of(new AllocatedLine(key, 5)), now().plus(HOUR), now()))
                .isInstanceOf(ReserveResult.Insufficient.class);
        reserve("fits", key, 1);
        assertThat(stock().reserve("fits", List.of(new AllocatedLine(key, 1)), now().plus(HOUR), now()))
                .isInstanceOf(ReserveResult.AlreadyExists.class); // a repeat writes nothing
        RecordingSink sink = new RecordingSink();
        deliverAll(relay(sink, 10));
        // two aggregates: ordered per aggregate only (a backend may keep them in different streams)
        assertThat(sink.received())
                .extracting(OrderKitEvent::id)
                .containsExactlyInAnyOrder(
                        StockEvents.subjectOf(key) + ":stock_adjusted:restock-1", "fits:stock_reserved:0");
    }

    @Test
    void aRelayThatDiesAfterTheSinkAcceptedRedeliversTheSameIds() {
        StockKey key = StockKey.of("outbox-redeliver");
        stock().adjust(key, 10, "restock-1", now());
        reserve("r-1", key, 1);
        apply("r-1", ReservationTransition.COMMIT);
        // a relay claims and delivers, then dies before marking anything
        RecordingSink first = new RecordingSink();
        List<OutboxEntry> claimed = outbox().claim(now(), 100, now().plus(Duration.ofMinutes(1)));
        claimed.forEach(e -> first.publish(e.event()));
        assertThat(claimed).hasSize(3);
        // while its claim lives, nobody else delivers them
        RecordingSink second = new RecordingSink();
        OutboxRelay next = relay(second, 10);
        assertThat(next.runOnce()).isZero();
        clock.advance(Duration.ofMinutes(2)); // the claim expired
        deliverAll(next);
        assertThat(second.received())
                .extracting(OrderKitEvent::id)
                .containsExactlyElementsOf(
                        first.received().stream().map(OrderKitEvent::id).toList());
        assertThat(second.received()).containsExactlyElementsOf(first.received()); // same payloads too
    }

    @Test
    void aFailingEventHoldsBackOnlyItsOwnAggregate() {
        StockKey a = StockKey.of("outbox-agg-a");
        StockKey b = StockKey.of("outbox-agg-b");
        stock().adjust(a, 10, "restock-a", now());
        stock().adjust(b, 10, "restock-b", now());
        reserve("held-a", a, 1);
        apply("held-a", ReservationTransition.COMMIT);
        apply("held-a", ReservationTransition.FULFIL);
        reserve("held-b", b, 1);
        apply("held-b", ReservationTransition.COMMIT);
        apply("held-b", ReservationTransition.FULFIL);
        RecordingSink sink = new RecordingSink();
        // the first event of held-a fails twice, then recovers
        Map<String, Integer> left = new ConcurrentHashMap<>(Map.of("held-a:stock_reserved:0", 2));
        sink.failWhen(e -> {
            Integer n = left.get(e.id());
            if (n == null || n == 0) {
                return false;
            }
            left.put(e.id(), n - 1);
            return true;
        });
        OutboxRelay relay = relay(sink, 10);
        relay.runOnce();
        // everything of the other aggregates flowed; nothing of held-a was delivered out of order
        assertThat(sink.ids("held-b"))
                .containsExactly(
                        "held-b:stock_reserved:0", "held-b:reservation_committed:1", "held-b:reservation_fulfilled:1");
        assertThat(sink.ids("held-a")).isEmpty();
        relay.runOnce(); // not due yet: its aggregate waits, the later events are not delivered first
        assertThat(sink.ids("held-a")).isEmpty();
        deliverAll(relay);
        assertThat(sink.ids("held-a"))
                .containsExactly(
                        "held-a:stock_reserved:0", "held-a:reservation_committed:1", "held-a:reservation_fulfilled:1");
        assertThat(outbox().count(OutboxStore.Status.PENDING)).isZero();
        assertThat(outbox().count(OutboxStore.Status.DEAD)).isZero();
    }

    @Test
    void anOrdersEventsAndItsHoldsEventsAreDeliveredInCommitOrderUnderFailures() {
        StockKey key = StockKey.of("outbox-order");
        stock().adjust(key, 10, "restock-1", now());
        SimulatedPaymentPort payments = new SimulatedPaymentPort();
        OrderKit kit = kitBuilder(fixture, payments).build();
        PlaceOrderResult placed = kit.orders()
                .place(PlaceOrderRequest.builder(Scope.of("shop"), IdempotencyKey.of("outbox-key-1"))
                        .customerRef("c-1")
                        .currency("EUR")
                        .paymentMethod("pm_card_visa")
                        .line("outbox-order", 1, 100)
                        .build());
        assertThat(placed.outcome()).isEqualTo(PlacementOutcome.PLACED);
        String orderId = placed.order().id();
        RecordingSink sink = new RecordingSink();
        Set<String> failOnce = ConcurrentHashMap.newKeySet();
        // every event of the order fails its first delivery
        sink.failWhen(e -> e.subjectId().equals(orderId) && failOnce.add(e.id()));
        deliverAll(relay(sink, 10));
        List<OrderKitEvent> ofOrder = sink.received().stream()
                .filter(e -> e.subjectId().equals(orderId))
                .toList();
        List<EventType> types = ofOrder.stream().map(OrderKitEvent::type).toList();
        assertThat(types).contains(EventType.ORDER_CREATED, EventType.STOCK_RESERVED, EventType.ORDER_CONFIRMED);
        assertThat(types.indexOf(EventType.ORDER_CREATED)).isLessThan(types.indexOf(EventType.STOCK_RESERVED));
        assertThat(types.lastIndexOf(EventType.STOCK_RESERVED)).isLessThan(types.indexOf(EventType.ORDER_CONFIRMED));
        assertThat(types.indexOf(EventType.RESERVATION_COMMITTED)).isLessThan(types.indexOf(EventType.ORDER_CONFIRMED));
        assertThat(ofOrder).extracting(OrderKitEvent::id).doesNotHaveDuplicates();
        assertThat(failOnce).hasSize(ofOrder.size()); // each failed once, and came through after
    }

    @Test
    void afterItsLastAttemptAnEventIsADeadLetterThatCanBeListedAndRedriven() {
        StockKey key = StockKey.of("outbox-dead");
        stock().adjust(key, 10, "restock-1", now());
        reserve("poison", key, 1);
        apply("poison", ReservationTransition.COMMIT);
        RecordingSink sink = new RecordingSink();
        sink.failWhen(e -> e.id().equals("poison:stock_reserved:0"));
        OutboxRelay relay = relay(sink, 3);
        deliverAll(relay);
        // dead after 3 attempts; it no longer holds its aggregate back
        List<OutboxEntry> dead = relay.deadLetters(10);
        assertThat(dead).extracting(e -> e.event().id()).containsExactly("poison:stock_reserved:0");
        assertThat(dead.get(0).attempts()).isEqualTo(3);
        assertThat(dead.get(0).lastError()).contains("injected delivery failure");
        assertThat(sink.ids("poison")).containsExactly("poison:reservation_committed:1");
        assertThat(outbox().count(OutboxStore.Status.DEAD)).isEqualTo(1);
        // the consumer is fixed: redrive it
        sink.failWhen(e -> false);
        assertThat(relay.redrive("poison:stock_reserved:0")).isTrue();
        assertThat(relay.redrive("poison:stock_reserved:0")).isFalse(); // not dead any more
        assertThat(relay.redrive("no-such-event")).isFalse();
        deliverAll(relay);
        assertThat(sink.ids("poison")).containsExactly("poison:reservation_committed:1", "poison:stock_reserved:0");
        assertThat(relay.deadLetters(10)).isEmpty();
        assertThat(outbox().count(OutboxStore.Status.DEAD)).isZero();
    }

    @Test
    void retentionPurgesSentEventsOnly() {
        StockKey key = StockKey.of("outbox-purge");
        stock().adjust(key, 10, "restock-1", now());
        reserve("sent", key, 1);
        reserve("dead", key, 1);
        reserve("pending", key, 1);
        RecordingSink sink = new RecordingSink();
        sink.failWhen(e -> e.subjectId().equals("dead"));
        OutboxRelay relay = relay(sink, 1);
        relay.runOnce(); // "dead" dies at once (1 attempt)
        sink.failWhen(e -> e.subjectId().equals("dead") || e.subjectId().equals("pending"));
        assertThat(outbox().count(OutboxStore.Status.DEAD)).isEqualTo(1);
        reserve("later", key, 1); // pending, never delivered
        Instant bound = now().plusSeconds(1);
        int purged = 0;
        for (int n; (n = outbox().purgeSent(bound, 1)) > 0; ) {
            purged += n;
        }
        assertThat(purged).isLessThanOrEqualTo(4); // the backend may keep none (in-memory drops SENT at once)
        assertThat(outbox().count(OutboxStore.Status.SENT)).isZero();
        assertThat(outbox().count(OutboxStore.Status.DEAD)).isEqualTo(1);
        assertThat(outbox().count(OutboxStore.Status.PENDING)).isEqualTo(1);
        assertThat(outbox().purgeSent(bound, 100)).isZero(); // idempotent
    }

    @Test
    void concurrentRelaysDeliverEachEventOnceInOrderPerAggregate() throws Exception {
        StockKey key = StockKey.of("outbox-concurrent");
        stock().adjust(key, 1_000, "restock-1", now());
        int holds = 40;
        for (int i = 0; i < holds; i++) {
            reserve("c-" + i, key, 1);
            apply("c-" + i, ReservationTransition.COMMIT);
            apply("c-" + i, ReservationTransition.FULFIL);
        }
        RecordingSink sink = new RecordingSink();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < 3; t++) {
            OutboxRelay relay = new OutboxRelay(
                    outbox(),
                    sink,
                    new OutboxRelay.Settings(7, 10, Duration.ZERO, Duration.ZERO, HOUR),
                    clock,
                    Instrumentation.noop());
            threads.add(new Thread(() -> {
                try {
                    for (int r = 0; r < 200 && outbox().count(OutboxStore.Status.PENDING) > 0; r++) {
                        relay.runOnce();
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(CONCURRENCY_TIMEOUT.toMillis());
        }
        assertThat(errors).isEmpty();
        assertThat(outbox().count(OutboxStore.Status.PENDING)).isZero();
        assertThat(sink.received()).extracting(OrderKitEvent::id).doesNotHaveDuplicates();
        for (int i = 0; i < holds; i++) {
            assertThat(sink.ids("c-" + i))
                    .containsExactly(
                            "c-" + i + ":stock_reserved:0",
                            "c-" + i + ":reservation_committed:1",
                            "c-" + i + ":reservation_fulfilled:1");
        }
    }
}
