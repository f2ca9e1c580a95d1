package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.IllegalStateTransitionException;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.Movement;
import dev.orderkit.core.NotFoundException;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationOwnedException;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.UnknownSkuException;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Contract of bad input (design invariant 9) on the backend under test: negative, zero and
 * overflowing quantities, empty, oversized and duplicate lines, unknown SKUs and locations, blank,
 * oversized and non-ASCII keys, absurd TTLs and settings, unknown ids and refused transitions are
 * rejected with a typed exception naming the field, and nothing is written to the backend (no
 * level, movement, reservation, order or idempotency record).
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()}.
 */
public abstract class BadInputContract extends ContractSupport {
    private static final Scope SHOP = Scope.of("shop-1");
    private static final StockKey WIDGET = StockKey.of("widget");
    private static final Duration TTL = Duration.ofMinutes(5);

    private OrderKit kit;
    private SimulatedPaymentPort payments;

    /** Subclasses are created by JUnit. */
    protected BadInputContract() {}

    @Override
    protected abstract BackendFixture createFixture();

    /** Builds the kit and stocks one SKU. */
    @BeforeEach
    protected final void stockOneSku() {
        payments = new SimulatedPaymentPort();
        kit = kitBuilder(fixture, payments).build();
        stockUp(WIDGET, 10);
    }

    private record Snapshot(List<StockLevel> levels, List<Movement> movements, int reservations, List<Order> orders) {}

    private Snapshot snapshot() {
        return new Snapshot(
                stock().allLevels(),
                stock().movements(WIDGET),
                stock().reservations(EnumSet.allOf(ReservationState.class)).size(),
                orders().findStale(EnumSet.allOf(OrderStatus.class), now().plus(Duration.ofDays(365)), 10_000));
    }

    private static void assertInvalid(String field, ThrowingCallable call) {
        assertThatThrownBy(call)
                .as("field %s", field)
                .isInstanceOf(InvalidRequestException.class)
                .satisfies(
                        e -> assertThat(((InvalidRequestException) e).field()).isEqualTo(field));
    }

    private void reserve(ReservationLine... lines) {
        kit.stock().reserve(new ReservationRequest("r-1", List.of(lines), TTL));
    }

    @Test
    @SuppressWarnings("NullAway") // passes null on purpose: the contract is that null is rejected
    void invariant9_invalidReservationsAreRejectedNamingTheField() {
        Snapshot before = snapshot();
        assertInvalid("quantity", () -> reserve(ReservationLine.of("widget", 0)));
        assertInvalid("quantity", () -> reserve(ReservationLine.of("widget", -5)));
        assertInvalid("quantity", () -> reserve(ReservationLine.of("widget", 1_000_000_001L)));
        assertInvalid("quantity", () -> reserve(ReservationLine.of("widget", Long.MAX_VALUE)));
        assertInvalid("quantity", () -> reserve(ReservationLine.of("widget", Long.MIN_VALUE)));
        assertInvalid("sku", () -> reserve(ReservationLine.of(" ", 1)));
        assertInvalid("sku", () -> reserve(ReservationLine.of("s".repeat(StockKey.MAX_LENGTH + 1), 1)));
        assertInvalid("sku", () -> reserve(ReservationLine.of("bad\u0000sku", 1)));
        assertInvalid("location", () -> reserve(ReservationLine.at("widget", "", 1)));
        assertInvalid("lines", () -> kit.stock().reserve(new ReservationRequest("r-1", List.of(), TTL)));
        List<ReservationLine> tooMany = new ArrayList<>();
        for (int i = 0; i <= ReservationRequest.MAX_LINES; i++) {
            tooMany.add(ReservationLine.of("widget-" + i, 1));
        }
        assertInvalid("lines", () -> kit.stock().reserve(new ReservationRequest("r-1", tooMany, TTL)));
        assertInvalid("lines[1].sku", () -> reserve(ReservationLine.of("widget", 1), ReservationLine.of("widget", 2)));
        assertInvalid(
                "ttl",
                () -> kit.stock()
                        .reserve(new ReservationRequest(
                                "r-1", List.of(ReservationLine.of("widget", 1)), Duration.ZERO)));
        assertInvalid(
                "ttl",
                () -> kit.stock()
                        .reserve(new ReservationRequest(
                                "r-1", List.of(ReservationLine.of("widget", 1)), Duration.ofSeconds(-30))));
        assertInvalid(
                "ttl",
                () -> kit.stock()
                        .reserve(new ReservationRequest(
                                "r-1", List.of(ReservationLine.of("widget", 1)), Duration.ofMillis(999))));
        assertInvalid(
                "ttl",
                () -> kit.stock()
                        .reserve(new ReservationRequest(
                                "r-1", List.of(ReservationLine.of("widget", 1)), Duration.ofDays(8))));
        assertInvalid(
                "reservationId",
                () -> kit.stock().reserve(new ReservationRequest("  ", List.of(ReservationLine.of("widget", 1)), TTL)));
        assertInvalid(
                "reservationId",
                () -> kit.stock()
                        .reserve(new ReservationRequest(
                                "r".repeat(129), List.of(ReservationLine.of("widget", 1)), TTL)));
        assertThatThrownBy(() -> kit.stock().reserve(new ReservationRequest("r-1", null, TTL)))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("lines");
        assertThatThrownBy(() -> kit.stock().reserve(null)).isInstanceOf(NullPointerException.class);
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void invariant9_unknownSkusAndLocationsAreRejectedAndNothingIsHeld() {
        Snapshot before = snapshot();
        assertThatThrownBy(() -> reserve(ReservationLine.of("widget", 1), ReservationLine.of("ghost", 1)))
                .isInstanceOf(UnknownSkuException.class)
                .satisfies(e -> assertThat(((UnknownSkuException) e).field()).isEqualTo("lines[1].sku"));
        assertThatThrownBy(() -> reserve(ReservationLine.at("widget", "nowhere", 1)))
                .isInstanceOf(UnknownSkuException.class)
                .satisfies(e -> assertThat(((UnknownSkuException) e).field()).isEqualTo("lines[0].location"));
        assertThat(snapshot()).isEqualTo(before);
        assertThat(kit.stock().reservation("r-1")).isEmpty();
        assertThat(stock().level(StockKey.of("ghost"))).isEmpty();
    }

    @Test
    void invariant9_placeWithAnUnknownSkuWritesNothingNotEvenTheKey() {
        Snapshot before = snapshot();
        assertThatThrownBy(() -> kit.orders()
                        .place(PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("k-1"))
                                .line("widget", 1, 100)
                                .line("ghost", 1, 100)
                                .build()))
                .isInstanceOf(UnknownSkuException.class)
                .satisfies(e -> assertThat(((UnknownSkuException) e).sku()).isEqualTo("ghost"));
        assertThat(snapshot()).isEqualTo(before);
        assertThat(payments.callCount()).isZero();
        // the key was not consumed: another payload with it is not a key reuse
        var r = kit.orders()
                .place(PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("k-1"))
                        .line("widget", 2, 100)
                        .build());
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.PLACED);
        assertThat(r.replayed()).isFalse();
    }

    @Test
    void invariant9_invalidOrderRequestsAreRejectedNamingTheField() {
        Snapshot before = snapshot();
        assertInvalid("idempotencyKey", () -> IdempotencyKey.of(""));
        assertInvalid("idempotencyKey", () -> IdempotencyKey.of("k".repeat(IdempotencyKey.MAX_LENGTH + 1)));
        assertInvalid("idempotencyKey", () -> IdempotencyKey.of("has space"));
        assertInvalid("idempotencyKey", () -> IdempotencyKey.of("schl\u00fcssel"));
        assertInvalid("idempotencyKey", () -> IdempotencyKey.of("line\nbreak"));
        assertInvalid("scope", () -> Scope.of(" "));
        assertInvalid("scope", () -> Scope.of("s".repeat(Scope.MAX_LENGTH + 1)));
        assertInvalid("currency", () -> base().currency("usdd").build());
        assertInvalid("currency", () -> base().currency("u$d").build());
        assertInvalid("customerRef", () -> base().customerRef("").build());
        assertInvalid(
                "paymentMethod", () -> base().paymentMethod("p".repeat(256)).build());
        assertInvalid(
                "quantity",
                () -> PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("k")).line("widget", 0, 1));
        assertInvalid(
                "quantity",
                () -> PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("k")).line("widget", -1, 1));
        assertInvalid(
                "unitPriceMinor",
                () -> PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("k")).line("widget", 1, -1));
        assertInvalid(
                "lines[0].unitPriceMinor",
                () -> PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("k"))
                        .line("widget", 1_000_000_000L, 1_000_000_000_000L)
                        .build());
        assertInvalid(
                "lines[1].unitPriceMinor",
                () -> PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("k"))
                        .line("widget", 1_000_000_000L, 1_000_000L)
                        .line("gadget", 1, 1)
                        .build());
        assertInvalid(
                "lines",
                () -> PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("k")).build());
        assertInvalid("lines[1].sku", () -> base().line("widget", 2, 100).build());
        Map<String, String> meta = new TreeMap<>();
        for (int i = 0; i <= 50; i++) {
            meta.put("k" + i, "v");
        }
        assertInvalid(
                "metadata",
                () -> new PlaceOrderRequest(
                        SHOP,
                        IdempotencyKey.of("k"),
                        "c",
                        "usd",
                        "pm",
                        base().build().lines(),
                        meta));
        assertInvalid(
                "metadata[note]", () -> base().metadata("note", "x".repeat(501)).build());
        assertInvalid("metadata.key", () -> base().metadata("k".repeat(41), "v").build());
        assertThat(snapshot()).isEqualTo(before);
    }

    private static PlaceOrderRequest.Builder base() {
        return PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("k-1")).line("widget", 1, 100);
    }

    @Test
    void invariant9_invalidAdjustmentsAreRejectedAndChangeNothing() {
        Snapshot before = snapshot();
        long version = stock().level(WIDGET).orElseThrow().version();
        assertInvalid("delta", () -> kit.stock().adjust(WIDGET, 0, "zero"));
        assertInvalid("delta", () -> kit.stock().adjust(WIDGET, 1_000_000_001L, "huge"));
        assertInvalid("delta", () -> kit.stock().adjust(WIDGET, Long.MIN_VALUE, "min"));
        assertInvalid("delta", () -> kit.stock().adjust(WIDGET, Long.MAX_VALUE, "max"));
        assertInvalid("reference", () -> kit.stock().adjust(WIDGET, 1, " "));
        assertInvalid("onHand", () -> kit.stock().setOnHand(WIDGET, -1, version, "count"));
        assertInvalid("onHand", () -> kit.stock().setOnHand(WIDGET, 1_000_000_000_001L, version, "count"));
        assertInvalid("expectedVersion", () -> kit.stock().setOnHand(WIDGET, 5, -2, "count"));
        assertInvalid("sku", () -> StockKey.of("", "east"));
        assertInvalid("location", () -> StockKey.of("widget", "l".repeat(StockKey.MAX_LENGTH + 1)));
        assertThatThrownBy(() -> kit.stock().adjust(WIDGET, -11, "below zero"))
                .isInstanceOf(InsufficientStockException.class);
        assertThat(snapshot()).isEqualTo(before);

        kit.stock().reserve(new ReservationRequest("r-1", List.of(ReservationLine.of("widget", 6)), TTL));
        Snapshot held = snapshot();
        long heldVersion = stock().level(WIDGET).orElseThrow().version();
        assertThatThrownBy(() -> kit.stock().adjust(WIDGET, -5, "below reserved"))
                .isInstanceOf(InsufficientStockException.class);
        assertThatThrownBy(() -> kit.stock().setOnHand(WIDGET, 5, heldVersion, "count below reserved"))
                .isInstanceOf(InsufficientStockException.class);
        assertThat(snapshot()).isEqualTo(held);
        assertStockInvariants();
    }

    @Test
    @SuppressWarnings("NullAway") // passes null on purpose: the contract is that null is rejected
    void absurdSettingsAreRejected() {
        assertInvalid("lease", () -> OrderKit.builder().lease(Duration.ZERO));
        assertInvalid("lease", () -> OrderKit.builder().lease(Duration.ofHours(2)));
        assertInvalid("lease", () -> OrderKit.builder().lease(Duration.ofSeconds(-1)));
        assertInvalid("keyRetention", () -> OrderKit.builder().keyRetention(Duration.ofSeconds(1)));
        assertInvalid("keyRetention", () -> OrderKit.builder().keyRetention(Duration.ofDays(365)));
        assertInvalid("reservationTtl", () -> OrderKit.builder().reservationTtl(Duration.ofDays(8)));
        assertInvalid("stuckAfter", () -> OrderKit.builder().stuckAfter(Duration.ZERO));
        assertInvalid("inProgressWait", () -> OrderKit.builder().inProgressWait(Duration.ofMinutes(2)));
        assertInvalid(
                "conflictMaxRetries",
                () -> new RetrySettings(
                        -1,
                        Duration.ofMillis(1),
                        Duration.ofMillis(1),
                        0,
                        Duration.ofMillis(1),
                        Duration.ofMillis(1),
                        0,
                        Duration.ofMillis(1),
                        Duration.ofMillis(1),
                        1,
                        Duration.ofMillis(1),
                        0));
        assertInvalid(
                "jitterFactor",
                () -> new RetrySettings(
                        0,
                        Duration.ofMillis(1),
                        Duration.ofMillis(1),
                        0,
                        Duration.ofMillis(1),
                        Duration.ofMillis(1),
                        0,
                        Duration.ofMillis(1),
                        Duration.ofMillis(1),
                        1,
                        Duration.ofMillis(1),
                        Double.NaN));
        assertThatThrownBy(() -> OrderKit.builder().stockStorage(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void unknownIdsAreNotFoundAndCreateNothing() {
        Snapshot before = snapshot();
        assertThatThrownBy(() -> kit.stock().commit("nope")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> kit.stock().release("nope")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> kit.stock().fulfil("nope")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> kit.orders().cancel(SHOP, "nope", "why")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> kit.orders().fulfil(SHOP, "nope")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> kit.orders().applyPaymentUpdate("nope", new PaymentResult.Approved("pi")))
                .isInstanceOf(NotFoundException.class);
        assertThat(kit.orders().get(SHOP, "nope")).isEmpty();
        assertInvalid("orderId", () -> kit.orders().get(SHOP, " "));
        assertThat(snapshot()).isEqualTo(before);
        assertThat(kit.stock().reservation("nope")).isEmpty();
    }

    @Test
    void refusedTransitionsChangeNothing() {
        Order rejected = kit.orders()
                .place(PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("too-many"))
                        .line("widget", 11, 100)
                        .build())
                .order();
        Order awaiting = kit.orders()
                .place(PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("3ds"))
                        .paymentMethod("pm_action_3ds")
                        .line("widget", 2, 100)
                        .build())
                .order();
        Snapshot before = snapshot();
        assertThatThrownBy(() -> kit.orders().cancel(SHOP, rejected.id(), "why"))
                .isInstanceOf(IllegalStateTransitionException.class);
        assertThatThrownBy(() -> kit.orders().fulfil(SHOP, rejected.id()))
                .isInstanceOf(IllegalStateTransitionException.class);
        assertThatThrownBy(() -> kit.orders().fulfil(SHOP, awaiting.id()))
                .isInstanceOf(IllegalStateTransitionException.class);
        // the order's hold: not the ledger's to fulfil (issue 12), whatever its state
        assertThatThrownBy(() -> kit.stock().fulfil(awaiting.id())).isInstanceOf(ReservationOwnedException.class);
        assertInvalid("reason", () -> kit.orders().cancel(SHOP, awaiting.id(), ""));
        assertThat(snapshot()).isEqualTo(before);
        assertThat(InvariantChecker.checkOrders(stock(), orders(), List.of(rejected.id(), awaiting.id())))
                .isEmpty();
    }
}
