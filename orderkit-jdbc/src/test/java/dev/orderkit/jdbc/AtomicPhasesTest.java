package dev.orderkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.StepTransactions;
import dev.orderkit.jdbc.TestDatabases.Kind;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What {@link JdbcBackend#stepTransactions()} buys: a crash between a placement step and the order
 * status that records it cannot happen, because both commit in one transaction. Simulated by an
 * order store that fails the recording write (as a crash or a lost connection would).
 */
class AtomicPhasesTest {

    /** Delegates to the JDBC order store but fails the update that records the given status. */
    private static OrderStore failingOn(OrderStore delegate, OrderStatus status) {
        return new OrderStore() {
            @Override
            public boolean insert(Order order, List<OrderKitEvent> events) {
                return delegate.insert(order, events);
            }

            @Override
            public Optional<Order> find(String orderId) {
                return delegate.find(orderId);
            }

            @Override
            public boolean update(Order order, long expectedVersion, List<OrderKitEvent> events) {
                if (order.status() == status) {
                    throw new IllegalStateException("simulated crash before recording " + status);
                }
                return delegate.update(order, expectedVersion, events);
            }

            @Override
            public List<Order> findStale(Set<OrderStatus> statuses, Instant updatedBefore, int limit) {
                return delegate.findStale(statuses, updatedBefore, limit);
            }

            @Override
            public List<Order> findDue(Set<OrderStatus> statuses, Instant now, int limit) {
                return delegate.findDue(statuses, now, limit);
            }

            @Override
            public Optional<Order> findByKey(String scope, String idempotencyKey) {
                return delegate.findByKey(scope, idempotencyKey);
            }
        };
    }

    private static OrderKit kit(JdbcBackend b, OrderStore orders, StepTransactions steps) {
        return OrderKit.builder()
                .stockStorage(b.stockStorage())
                .idempotencyStore(b.idempotencyStore())
                .orderStore(orders)
                .stepTransactions(steps)
                .paymentPort(new SimulatedPaymentPort())
                .retry(RetrySettings.none())
                .build();
    }

    private static final StockKey TEE = StockKey.of("tee");

    /** Five tees in stock; a request for two. */
    private static PlaceOrderRequest stockAndRequest(JdbcBackend b) {
        b.stockStorage().adjust(TEE, 5, "init", Instant.now());
        return PlaceOrderRequest.builder(Scope.of("shop"), IdempotencyKey.of("k1"))
                .line("tee", 2, 100)
                .build();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void holdAndItsRecoveryPointCommitTogether(Kind kind) {
        try (JdbcFixture f = JdbcFixture.create(kind)) {
            JdbcBackend b = f.backend();
            PlaceOrderRequest req = stockAndRequest(b);

            OrderKit crashing = kit(b, failingOn(b.orderStore(), OrderStatus.STOCK_RESERVED), b.stepTransactions());
            assertThatThrownBy(() -> crashing.orders().place(req)).isInstanceOf(IllegalStateException.class);
            // the hold was rolled back with its missing recovery point: nothing is held, nothing leaks
            assertThat(b.stockStorage().level(TEE).orElseThrow().reserved()).isZero();
            assertThat(b.stockStorage().reservations(Set.of(ReservationState.values())))
                    .isEmpty();

            // the retry with the same key resumes from CREATED and places the order once
            var placed = kit(b, b.orderStore(), b.stepTransactions()).orders().place(req);
            assertThat(placed.outcome()).isEqualTo(PlacementOutcome.PLACED);
            assertThat(b.stockStorage().level(TEE).orElseThrow().reserved()).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void withoutAtomicPhasesTheSameCrashLeavesAHoldForTheRetryToAdopt(Kind kind) {
        try (JdbcFixture f = JdbcFixture.create(kind)) {
            JdbcBackend b = f.backend();
            PlaceOrderRequest req = stockAndRequest(b);

            OrderKit crashing = kit(b, failingOn(b.orderStore(), OrderStatus.STOCK_RESERVED), StepTransactions.NONE);
            assertThatThrownBy(() -> crashing.orders().place(req)).isInstanceOf(IllegalStateException.class);
            // step by step: the hold committed although its order still says CREATED
            assertThat(b.stockStorage().level(TEE).orElseThrow().reserved()).isEqualTo(2);

            // still safe (reserve is idempotent on the order id), just not atomic
            var placed = kit(b, b.orderStore(), StepTransactions.NONE).orders().place(req);
            assertThat(placed.outcome()).isEqualTo(PlacementOutcome.PLACED);
            assertThat(b.stockStorage().level(TEE).orElseThrow().reserved()).isEqualTo(2);
        }
    }
}
