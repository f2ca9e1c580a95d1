package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.Movement;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderKitException;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.KeyRecord;
import dev.orderkit.core.spi.ScopedKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;
import org.jspecify.annotations.Nullable;

/**
 * Property-based contract of the public API ({@link OrderKit#orders()} and {@link OrderKit#stock()})
 * under hostile and random input, with jqwik: random sequences of calls — place, reserve, commit,
 * release, fulfil, adjust, setOnHand, cancel, order fulfil, expireDue — whose arguments mix valid
 * values with nulls, blanks, control characters, over-long ids and keys, zero, negative, huge and
 * overflowing quantities, unknown SKUs and locations, absurd TTLs, duplicate lines, repeated ids
 * and keys with other payloads, and the ids of orders (whose holds the ledger must not touch).
 *
 * <p>The property: <b>every call that is rejected (throws) leaves everything as it was</b> — stock
 * levels, movements, reservations, orders and idempotency records — and is rejected with a typed
 * exception ({@link OrderKitException}, or a {@link NullPointerException} naming the null argument;
 * a missing or malformed idempotency key is an {@link InvalidRequestException} naming
 * {@code idempotencyKey}); after every call the stock invariants hold (no oversell, conservation)
 * and every order agrees with its hold; every reservation {@code reserve} answers with holds what
 * was asked (a repeated id with other lines is refused, never answered with the old hold).
 *
 * <p>Each try starts on a fresh backend from {@link #createFixture()}; tries are kept moderate so a
 * backend's run takes seconds. jqwik runs on the JUnit platform (the {@code jqwik-engine} must be on
 * the test class path next to Jupiter's).
 */
public abstract class PublicApiPropertyContract {
    private static final Scope SHOP = Scope.of("shop-1");
    private static final Scope OTHER_SHOP = Scope.of("shop-2");
    private static final List<StockKey> STOCKED =
            List.of(StockKey.of("widget"), StockKey.of("gadget"), StockKey.of("gadget", "west"));
    private static final List<String> SCOPES = List.of("shop-1", "shop-2");
    private static final List<String> KEYS = List.of("k-1", "k-2", "k-3");
    /** Placeholder for "the id of the n-th order placed in this try" (resolved when the call runs). */
    private static final String ORDER_REF = "@order:";

    private @Nullable BackendFixture fixture;
    private @Nullable OrderKit kit;
    private final List<String> orderIds = new ArrayList<>();

    /** Subclasses are created by the test engine. */
    protected PublicApiPropertyContract() {}

    /**
     * Creates the backend under test: a fresh, empty schema / key prefix, once per try; closed after
     * the try.
     *
     * @return the fixture
     */
    protected abstract BackendFixture createFixture();

    /** Opens a fresh backend, builds a kit on it and stocks three levels. */
    @BeforeTry
    public final void openFixture() {
        BackendFixture f = Objects.requireNonNull(createFixture(), "createFixture() returned null");
        fixture = f;
        orderIds.clear();
        TestClock clock = TestClock.startingNow();
        kit = OrderKit.builder()
                .stockStorage(f.stockStorage())
                .idempotencyStore(f.idempotencyStore())
                .orderStore(f.orderStore())
                .stepTransactions(f.stepTransactions())
                .paymentPort(new SimulatedPaymentPort())
                .clock(clock)
                .retry(RetrySettings.defaults())
                .build();
        kit.stock().adjust(STOCKED.get(0), 10, "initial-0");
        kit.stock().adjust(STOCKED.get(1), 5, "initial-1");
        kit.stock().adjust(STOCKED.get(2), 5, "initial-2");
    }

    /** Drops the try's backend. */
    @AfterTry
    public final void closeFixture() {
        if (fixture != null) {
            fixture.close();
            fixture = null;
        }
    }

    // ------------------------------------------------------------------ the property

    /**
     * Every rejected call changes nothing, and is rejected with a typed exception.
     *
     * @param calls a random sequence of calls
     */
    @Property(tries = 25, shrinking = ShrinkingMode.BOUNDED)
    public void everyRejectedCallLeavesLevelsReservationsOrdersAndKeysUnchanged(@ForAll("calls") List<Call> calls) {
        for (Call call : calls) {
            State before = state();
            Throwable rejected = null;
            try {
                call.run(this);
            } catch (OrderKitException | NullPointerException e) {
                rejected = e;
            }
            if (call instanceof Place p && (p.key() == null || !KEYS.contains(p.key()))) {
                // a missing, blank or malformed key is the client's field, named (HTTP 400), never an NPE
                assertThat(rejected)
                        .as("%s", call)
                        .isInstanceOfSatisfying(
                                InvalidRequestException.class,
                                e -> assertThat(e.field()).isEqualTo("idempotencyKey"));
            }
            if (rejected != null) {
                if (rejected instanceof NullPointerException npe) {
                    assertThat(npe.getMessage())
                            .as("%s: a null argument is named", call)
                            .isNotNull()
                            .contains("must not be null");
                }
                assertThat(state())
                        .as("%s was rejected (%s) but wrote", call, rejected)
                        .isEqualTo(before);
            }
            // stock invariants, and every order agrees with its hold (an order's hold moved through
            // the ledger leaves a CONFIRMED order without stock, or a FULFILLING one for ever)
            assertThat(InvariantChecker.checkOrders(
                            backend().stockStorage(), backend().orderStore(), orderIds))
                    .as("invariants after %s", call)
                    .isEmpty();
        }
    }

    // ------------------------------------------------------------------ what "unchanged" compares

    /** Everything a call can write. */
    private record State(
            List<StockLevel> levels,
            Map<StockKey, List<Movement>> movements,
            List<Reservation> reservations,
            List<Order> orders,
            Map<String, Optional<KeyRecord>> keys) {}

    private State state() {
        BackendFixture f = backend();
        List<StockLevel> levels = f.stockStorage().allLevels();
        Map<StockKey, List<Movement>> movements = new LinkedHashMap<>();
        for (StockLevel l : levels) {
            movements.put(l.key(), f.stockStorage().movements(l.key()));
        }
        List<Reservation> reservations =
                new ArrayList<>(f.stockStorage().reservations(EnumSet.allOf(ReservationState.class)));
        reservations.sort(Comparator.comparing(Reservation::id));
        List<Order> orders = new ArrayList<>(f.orderStore()
                .findStale(
                        EnumSet.allOf(OrderStatus.class),
                        kit().clock().instant().plus(Duration.ofDays(3650)),
                        10_000));
        orders.sort(Comparator.comparing(Order::id));
        Map<String, Optional<KeyRecord>> keys = new LinkedHashMap<>();
        for (String scope : SCOPES) {
            for (String key : KEYS) {
                keys.put(scope + "/" + key, f.idempotencyStore().read(ScopedKey.of(scope, key)));
            }
        }
        return new State(levels, movements, reservations, orders, keys);
    }

    private BackendFixture backend() {
        return Objects.requireNonNull(fixture, "no try is running");
    }

    private OrderKit kit() {
        return Objects.requireNonNull(kit, "no try is running");
    }

    /** An id as generated, with {@link #ORDER_REF} placeholders resolved to this try's orders. */
    private @Nullable String resolve(@Nullable String id) {
        if (id == null || !id.startsWith(ORDER_REF)) {
            return id;
        }
        if (orderIds.isEmpty()) {
            return "r-1";
        }
        return orderIds.get(Integer.parseInt(id.substring(ORDER_REF.length())) % orderIds.size());
    }

    // ------------------------------------------------------------------ calls

    /** One call of the public API with its (possibly hostile) arguments. */
    public sealed interface Call {
        /**
         * Makes the call.
         *
         * @param t the running contract
         */
        void run(PublicApiPropertyContract t);
    }

    /**
     * One requested line, hostile or not.
     *
     * @param sku the SKU
     * @param quantity the quantity
     * @param location a fixed location or null
     */
    public record Line(
            @Nullable String sku, long quantity, @Nullable String location) {}

    /**
     * {@code orders().place(...)}.
     *
     * @param scope the scope
     * @param key the idempotency key
     * @param lines the lines
     * @param paymentMethod the payment method
     */
    public record Place(String scope, @Nullable String key, List<Line> lines, String paymentMethod) implements Call {
        @Override
        @SuppressWarnings("NullAway") // hostile nulls on purpose
        public void run(PublicApiPropertyContract t) {
            PlaceOrderRequest.Builder b = PlaceOrderRequest.builder(Scope.of(scope), IdempotencyKey.of(key))
                    .customerRef("cust-1")
                    .paymentMethod(paymentMethod);
            for (Line l : lines) {
                b.line(l.sku(), l.quantity(), 100);
            }
            PlaceOrderResult r = t.kit().orders().place(b.build());
            if (!t.orderIds.contains(r.order().id())) {
                t.orderIds.add(r.order().id());
            }
        }
    }

    /**
     * {@code stock().reserve(...)}.
     *
     * @param id the reservation id (or an order's)
     * @param lines the lines
     * @param ttl the hold
     */
    public record Reserve(@Nullable String id, List<Line> lines, Duration ttl) implements Call {
        @Override
        @SuppressWarnings("NullAway") // hostile nulls on purpose
        public void run(PublicApiPropertyContract t) {
            List<ReservationLine> ls = new ArrayList<>();
            for (Line l : lines) {
                ls.add(new ReservationLine(l.sku(), l.quantity(), l.location()));
            }
            Reservation r = t.kit().stock().reserve(new ReservationRequest(t.resolve(id), ls, ttl));
            // an answer is a hold of what was asked, never another request's hold under a reused id
            Map<String, Long> asked = new TreeMap<>();
            Map<String, Long> held = new TreeMap<>();
            ls.forEach(l -> asked.merge(l.sku(), l.quantity(), Long::sum));
            r.lines().forEach(l -> held.merge(l.key().sku(), l.quantity(), Long::sum));
            assertThat(held).as("%s answered %s", this, r).isEqualTo(asked);
            for (ReservationLine l : ls) {
                if (l.location() != null) {
                    assertThat(r.lines()).as("%s answered %s", this, r).anySatisfy(a -> {
                        assertThat(a.key()).isEqualTo(StockKey.of(l.sku(), l.location()));
                        assertThat(a.quantity()).isGreaterThanOrEqualTo(l.quantity());
                    });
                }
            }
        }
    }

    /**
     * {@code stock().commit / release / fulfil(id)}.
     *
     * @param action {@code commit}, {@code release} or {@code fulfil}
     * @param id the reservation id (or an order's)
     */
    public record Transition(String action, @Nullable String id) implements Call {
        @Override
        @SuppressWarnings("NullAway") // hostile nulls on purpose
        public void run(PublicApiPropertyContract t) {
            String resolved = t.resolve(id);
            switch (action) {
                case "commit" -> t.kit().stock().commit(resolved);
                case "release" -> t.kit().stock().release(resolved);
                default -> t.kit().stock().fulfil(resolved);
            }
        }
    }

    /**
     * {@code stock().adjust(...)}.
     *
     * @param sku the SKU
     * @param location the location
     * @param delta the change
     * @param reference the operation id
     */
    public record Adjust(
            @Nullable String sku,
            String location,
            long delta,
            @Nullable String reference) implements Call {
        @Override
        @SuppressWarnings("NullAway") // hostile nulls on purpose
        public void run(PublicApiPropertyContract t) {
            t.kit().stock().adjust(StockKey.of(sku, location), delta, reference);
        }
    }

    /**
     * {@code stock().setOnHand(...)}.
     *
     * @param sku the SKU
     * @param onHand the new on-hand
     * @param expectedVersion the version read
     * @param reference the operation id
     */
    public record SetOnHand(
            String sku,
            long onHand,
            long expectedVersion,
            @Nullable String reference) implements Call {
        @Override
        @SuppressWarnings("NullAway") // hostile nulls on purpose
        public void run(PublicApiPropertyContract t) {
            t.kit().stock().setOnHand(StockKey.of(sku), onHand, expectedVersion, reference);
        }
    }

    /**
     * {@code orders().cancel(...)} or {@code orders().fulfil(...)}.
     *
     * @param action {@code cancel} or {@code fulfil}
     * @param scope the caller's scope
     * @param id the order id (usually one of this try's orders)
     * @param reason the cancel reason
     */
    public record OrderAction(
            String action,
            String scope,
            @Nullable String id,
            @Nullable String reason) implements Call {
        @Override
        @SuppressWarnings("NullAway") // hostile nulls on purpose
        public void run(PublicApiPropertyContract t) {
            if (action.equals("cancel")) {
                t.kit().orders().cancel(Scope.of(scope), t.resolve(id), reason);
            } else {
                t.kit().orders().fulfil(Scope.of(scope), t.resolve(id));
            }
        }
    }

    /**
     * {@code stock().expireDue(maxBatches)}.
     *
     * @param maxBatches the bound
     */
    public record ExpireDue(int maxBatches) implements Call {
        @Override
        public void run(PublicApiPropertyContract t) {
            t.kit().stock().expireDue(maxBatches);
        }
    }

    // ------------------------------------------------------------------ generators

    /**
     * Random call sequences.
     *
     * @return the arbitrary
     */
    @Provide
    public Arbitrary<List<Call>> calls() {
        Arbitrary<Call> call = Arbitraries.frequencyOf(
                Tuple.of(4, place()),
                Tuple.of(4, reserve()),
                Tuple.of(4, transition()),
                Tuple.of(2, adjust()),
                Tuple.of(2, setOnHand()),
                Tuple.of(2, orderAction()),
                Tuple.of(1, Arbitraries.of(-1, 0, 1).map(n -> (Call) new ExpireDue(n))));
        return call.list().ofMinSize(3).ofMaxSize(10);
    }

    private static <T> Arbitrary<T> withNull(Arbitrary<T> values, double nullProbability) {
        return values.injectNull(nullProbability);
    }

    private static Arbitrary<String> skus() {
        return withNull(
                Arbitraries.of(
                        "widget",
                        "widget",
                        "gadget",
                        "gadget",
                        "ghost", // unknown
                        "",
                        "   ",
                        "s".repeat(StockKey.MAX_LENGTH + 1),
                        "bad\u0000sku"),
                0.05);
    }

    private static Arbitrary<Long> quantities() {
        return Arbitraries.oneOf(
                Arbitraries.longs().between(1, 12),
                Arbitraries.of(
                        0L,
                        -1L,
                        -7L,
                        1_000_000_000L,
                        1_000_000_001L,
                        Long.MAX_VALUE,
                        Long.MIN_VALUE,
                        10_000_000_000_000L));
    }

    private static Arbitrary<String> locations() {
        return Arbitraries.of("default", "west", "nowhere", "", "  ").injectNull(0.6);
    }

    private static Arbitrary<Line> line() {
        return Combinators.combine(skus(), quantities(), locations()).as(Line::new);
    }

    private static Arbitrary<List<Line>> lines() {
        // empty, duplicate SKUs and more than a request allows are all hostile
        return Arbitraries.oneOf(
                line().list().ofMinSize(0).ofMaxSize(3), line().map(l -> List.of(l, l)), Arbitraries.just(List.of()));
    }

    private static Arbitrary<String> reservationIds() {
        return withNull(
                Arbitraries.oneOf(
                        Arbitraries.of("r-1", "r-2", "r-3"),
                        Arbitraries.integers().between(0, 3).map(i -> ORDER_REF + i),
                        Arbitraries.of("", "  ", "r".repeat(129), "bad\nid", "ord_0123456789abcdef0123456789abcdef")),
                0.05);
    }

    private static Arbitrary<String> keys() {
        return withNull(
                Arbitraries.oneOf(
                        Arbitraries.of(KEYS.toArray(String[]::new)),
                        Arbitraries.of("", "   ", "k".repeat(IdempotencyKey.MAX_LENGTH + 1), "kéy", "tab\tkey")),
                0.1);
    }

    private static Arbitrary<String> references() {
        return withNull(Arbitraries.of("ref-1", "ref-2", "ref-3", "", " ", "x".repeat(256)), 0.05);
    }

    private static Arbitrary<Call> place() {
        return Combinators.combine(
                        Arbitraries.of(SCOPES.toArray(String[]::new)),
                        keys(),
                        lines(),
                        Arbitraries.of("pm_card_visa", "pm_card_visa", "pm_decline_card", "pm_action_3ds"))
                .as(Place::new);
    }

    private static Arbitrary<Call> reserve() {
        Arbitrary<Duration> ttls = Arbitraries.of(
                Duration.ofMinutes(5),
                Duration.ofMinutes(5),
                Duration.ZERO,
                Duration.ofSeconds(-1),
                Duration.ofMillis(999),
                Duration.ofDays(8));
        return Combinators.combine(reservationIds(), lines(), ttls).as(Reserve::new);
    }

    private static Arbitrary<Call> transition() {
        return Combinators.combine(Arbitraries.of("commit", "release", "fulfil"), reservationIds())
                .as(Transition::new);
    }

    private static Arbitrary<Call> adjust() {
        return Combinators.combine(
                        skus(),
                        Arbitraries.of("default", "west", "nowhere"),
                        Arbitraries.oneOf(
                                Arbitraries.longs().between(-12, 12),
                                Arbitraries.of(1_000_000_001L, -1_000_000_001L, Long.MAX_VALUE, Long.MIN_VALUE)),
                        references())
                .as(Adjust::new);
    }

    private static Arbitrary<Call> setOnHand() {
        return Combinators.combine(
                        Arbitraries.of("widget", "gadget", "ghost"),
                        Arbitraries.oneOf(
                                Arbitraries.longs().between(-2, 25),
                                Arbitraries.of(1_000_000_000_001L, Long.MAX_VALUE, Long.MIN_VALUE)),
                        Arbitraries.of(-3L, -1L, 0L, 1L, 2L, 3L, Long.MAX_VALUE),
                        references())
                .as(SetOnHand::new);
    }

    private static Arbitrary<Call> orderAction() {
        return Combinators.combine(
                        Arbitraries.of("cancel", "fulfil"),
                        Arbitraries.of(SHOP.value(), SHOP.value(), OTHER_SHOP.value()),
                        withNull(
                                Arbitraries.oneOf(
                                        Arbitraries.integers().between(0, 3).map(i -> ORDER_REF + i),
                                        Arbitraries.of("ord_missing", "", "o".repeat(129))),
                                0.05),
                        withNull(Arbitraries.of("customer asked", "", "  ", "r".repeat(256)), 0.05))
                .as(OrderAction::new);
    }
}
