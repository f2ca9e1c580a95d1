package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.Money;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderFilter;
import dev.orderkit.core.OrderLine;
import dev.orderkit.core.OrderPage;
import dev.orderkit.core.OrderService;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PageRequest;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.OrderPosition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Contract of {@code OrderService.list} over a backend's {@link dev.orderkit.core.spi.OrderStore#list}:
 * keyset pagination newest first (created time descending, ties by id descending) with no
 * duplicates and no gaps while orders are inserted and change status between pages, every filter
 * part and their combinations, the created-time range bounds, page size bounds, cursors bound to
 * their scope and filter, and scope isolation.
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()}.
 */
public abstract class OrderQueryContract extends ContractSupport {
    private static final Scope SHOP = Scope.of("shop-q");
    private static final Scope OTHER = Scope.of("shop-other");

    /** Subclasses are created by JUnit. */
    protected OrderQueryContract() {}

    @Override
    protected abstract BackendFixture createFixture();

    private OrderService service() {
        return kitBuilder(fixture, new SimulatedPaymentPort()).build().orders();
    }

    /** An order of a scope stored directly (version 0) in the given status. */
    private Order stored(String id, Scope scope, String customer, OrderStatus status, Instant createdAt) {
        Order o = new Order(
                id,
                scope.value(),
                "key-" + id,
                "f".repeat(64),
                status,
                customer,
                List.of(OrderLine.of("sku-a", 1, 100)),
                Money.of(100, "eur"),
                "pm_card_visa",
                Map.of(),
                List.of(),
                null,
                null,
                0,
                createdAt,
                createdAt);
        assertThat(orders().insert(o, List.of())).as("insert %s", id).isTrue();
        return o;
    }

    private static List<String> ids(List<Order> orders) {
        return orders.stream().map(Order::id).toList();
    }

    /** The expected listing: the matching orders, newest first, ties by id descending. */
    private static List<String> expected(List<Order> all, Predicate<Order> matching) {
        return all.stream()
                .filter(matching)
                .sorted(Comparator.comparing(OrderPosition::of, OrderPosition.LISTING_ORDER))
                .map(Order::id)
                .toList();
    }

    /** Every page of a listing, in order; fails if a page is over-full or a non-last page is short. */
    private static List<OrderPage> pages(OrderService svc, Scope scope, OrderFilter filter, int size) {
        List<OrderPage> out = new ArrayList<>();
        OrderPage page = svc.list(scope, filter, PageRequest.first(size));
        out.add(page);
        while (page.nextCursor() != null) {
            assertThat(page.orders()).as("a page with a next cursor is full").hasSize(size);
            page = svc.list(scope, filter, PageRequest.after(page.nextCursor(), size));
            out.add(page);
            assertThat(out.size()).as("pages of a finite listing").isLessThan(10_000);
        }
        assertThat(page.orders().size()).isLessThanOrEqualTo(size);
        return out;
    }

    private static List<String> listed(OrderService svc, Scope scope, OrderFilter filter, int size) {
        List<String> out = new ArrayList<>();
        for (OrderPage p : pages(svc, scope, filter, size)) {
            out.addAll(ids(p.orders()));
        }
        return out;
    }

    /** 40 orders over 3 customers and 4 statuses, created one per second before now, some sharing an instant. */
    private List<Order> catalogue() {
        OrderStatus[] statuses = {
            OrderStatus.CONFIRMED, OrderStatus.CREATED, OrderStatus.CANCELLED, OrderStatus.FULFILLED
        };
        List<Order> all = new ArrayList<>();
        Instant base = now().minus(Duration.ofHours(1));
        for (int i = 0; i < 40; i++) {
            // orders 2k and 2k+1 of the first 20 share an instant: ties broken by id
            Instant at = i < 20 ? base.plusSeconds(i / 2).plusNanos(7) : base.plusSeconds(i);
            all.add(stored(
                    String.format("o-%03d", i), SHOP, "cust-" + (i % 3), statuses[(i * 7) % statuses.length], at));
        }
        return all;
    }

    @Test
    void pagesListEveryOrderOnceNewestFirstWithTiesById() {
        List<Order> all = catalogue();
        OrderService svc = service();
        List<String> want = expected(all, o -> true);
        assertThat(want.get(0)).isEqualTo("o-039");
        assertThat(want.subList(20, 24)).containsExactly("o-019", "o-018", "o-017", "o-016");
        for (int size : new int[] {1, 3, 7, 40, 41, PageRequest.MAX_SIZE}) {
            assertThat(listed(svc, SHOP, OrderFilter.all(), size))
                    .as("page size %d", size)
                    .isEqualTo(want);
        }
        // a full last page has no next cursor (the backend is asked for one more order than the page)
        List<OrderPage> exact = pages(svc, SHOP, OrderFilter.all(), 20);
        assertThat(exact).hasSize(2);
        assertThat(exact.get(1).orders()).hasSize(20);
        assertThat(exact.get(1).hasMore()).isFalse();
        OrderPage first = svc.list(SHOP, OrderFilter.all(), PageRequest.first());
        assertThat(first.orders()).hasSize(40);
        assertThat(first.next()).isEmpty();
    }

    @Test
    void ordersSharingACreationInstantAreOrderedByIdDescendingAcrossPages() {
        Instant at = now().minusSeconds(5).plusNanos(123_456_789);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            ids.add("t-" + i);
        }
        List<String> shuffled = new ArrayList<>(ids);
        Collections.shuffle(shuffled, new Random(7));
        for (String id : shuffled) {
            stored(id, SHOP, "c", OrderStatus.CREATED, at);
        }
        stored("t-older", SHOP, "c", OrderStatus.CREATED, at.minusNanos(1));
        stored("a-newer", SHOP, "c", OrderStatus.CREATED, at.plusNanos(1));
        List<String> want = new ArrayList<>();
        want.add("a-newer");
        for (int i = 8; i >= 0; i--) {
            want.add("t-" + i);
        }
        want.add("t-older");
        assertThat(listed(service(), SHOP, OrderFilter.all(), 2)).isEqualTo(want);
        assertThat(listed(service(), SHOP, OrderFilter.all().withStatuses(OrderStatus.CREATED), 4))
                .isEqualTo(want);
        assertThat(listed(service(), SHOP, OrderFilter.all().withCustomer("c"), 3))
                .isEqualTo(want);
    }

    @Test
    void eachFilterAndTheirCombinationsMatchExactly() {
        List<Order> all = catalogue();
        OrderService svc = service();
        Instant from = all.get(10).createdAt();
        Instant to = all.get(30).createdAt();
        List<OrderFilter> filters = List.of(
                OrderFilter.all().withStatuses(OrderStatus.CREATED),
                OrderFilter.all().withStatuses(OrderStatus.CREATED, OrderStatus.FULFILLED),
                OrderFilter.all().withStatuses(OrderStatus.CONFIRMED, OrderStatus.CANCELLED, OrderStatus.FULFILLED),
                OrderFilter.all().withStatuses(OrderStatus.PAYMENT_DECLINED),
                OrderFilter.all().withCustomer("cust-1"),
                OrderFilter.all().withCustomer("cust-2").withStatuses(OrderStatus.CONFIRMED, OrderStatus.CREATED),
                OrderFilter.all().createdBetween(from, to),
                OrderFilter.all().createdBetween(from, null),
                OrderFilter.all().createdBetween(null, to),
                OrderFilter.all().withStatuses(OrderStatus.CANCELLED).createdBetween(from, to),
                OrderFilter.all()
                        .withCustomer("cust-0")
                        .withStatuses(OrderStatus.FULFILLED, OrderStatus.CANCELLED)
                        .createdBetween(from, to),
                OrderFilter.all().withCustomer("nobody"));
        for (OrderFilter f : filters) {
            List<String> want = expected(all, f::matches);
            for (int size : new int[] {1, 4, 50}) {
                assertThat(listed(svc, SHOP, f, size))
                        .as("%s, page size %d", f, size)
                        .isEqualTo(want);
            }
        }
        // the expectations are not vacuous
        assertThat(expected(all, filters.get(0)::matches)).hasSize(10);
        assertThat(expected(all, filters.get(4)::matches)).hasSize(13);
        assertThat(expected(all, filters.get(5)::matches)).isNotEmpty();
        assertThat(expected(all, filters.get(10)::matches)).isNotEmpty();
        assertThat(expected(all, filters.get(3)::matches)).isEmpty();
    }

    @Test
    void createdRangeIncludesItsLowerBoundAndExcludesItsUpperBound() {
        Instant t = now().minusSeconds(100);
        stored("r-before", SHOP, "c", OrderStatus.CREATED, t.minusNanos(1));
        stored("r-from", SHOP, "c", OrderStatus.CREATED, t);
        stored("r-mid", SHOP, "c", OrderStatus.CREATED, t.plusSeconds(5));
        stored("r-last", SHOP, "c", OrderStatus.CREATED, t.plusSeconds(10).minusNanos(1));
        stored("r-to", SHOP, "c", OrderStatus.CREATED, t.plusSeconds(10));
        OrderService svc = service();
        OrderFilter range = OrderFilter.all().createdBetween(t, t.plusSeconds(10));
        assertThat(listed(svc, SHOP, range, 1)).containsExactly("r-last", "r-mid", "r-from");
        assertThat(listed(svc, SHOP, range.withStatuses(OrderStatus.CREATED), 2))
                .containsExactly("r-last", "r-mid", "r-from");
        assertThat(listed(svc, SHOP, range.withCustomer("c"), 5)).containsExactly("r-last", "r-mid", "r-from");
        assertThat(listed(svc, SHOP, OrderFilter.all().createdBetween(t, t), 5))
                .as("an empty range")
                .isEmpty();
        assertThat(listed(svc, SHOP, OrderFilter.all().createdBetween(null, t), 5))
                .containsExactly("r-before");
        assertThat(listed(svc, SHOP, OrderFilter.all().createdBetween(t.plusSeconds(10), null), 5))
                .containsExactly("r-to");
        assertThatThrownBy(() -> OrderFilter.all().createdBetween(t, t.minusNanos(1)))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("createdTo"));
    }

    @Test
    void anEmptyListingIsOneEmptyPageWithoutCursor() {
        OrderService svc = service();
        OrderPage page = svc.list(SHOP, OrderFilter.all(), PageRequest.first());
        assertThat(page.orders()).isEmpty();
        assertThat(page.nextCursor()).isNull();
        stored("e-1", OTHER, "c", OrderStatus.CREATED, now());
        assertThat(svc.list(SHOP, OrderFilter.all(), PageRequest.first(1)).orders())
                .isEmpty();
        assertThat(svc.list(OTHER, OrderFilter.all().withStatuses(OrderStatus.CONFIRMED), PageRequest.first(1))
                        .orders())
                .isEmpty();
    }

    @Test
    void pageSizeIsBounded() {
        for (int bad : new int[] {0, -1, PageRequest.MAX_SIZE + 1, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            assertThatThrownBy(() -> PageRequest.first(bad))
                    .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                        assertThat(e.field()).isEqualTo("size");
                        assertThat(e.value()).isEqualTo(String.valueOf(bad));
                    });
        }
        assertThat(PageRequest.first().size())
                .isEqualTo(PageRequest.DEFAULT_SIZE)
                .isEqualTo(50);
        assertThat(PageRequest.first(PageRequest.MAX_SIZE).size()).isEqualTo(500);
        List<Order> all = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            all.add(stored(String.format("s-%02d", i), SHOP, "c", OrderStatus.CREATED, now().minusSeconds(i)));
        }
        OrderPage first = service().list(SHOP, OrderFilter.all(), PageRequest.first());
        assertThat(first.orders()).hasSize(50);
        assertThat(ids(first.orders())).isEqualTo(expected(all, o -> true).subList(0, 50));
        assertThat(first.hasMore()).isTrue();
        assertThatThrownBy(() -> PageRequest.after(Objects.requireNonNull(first.nextCursor()), 0))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("size"));
    }

    @Test
    void aCursorIsValidOnlyForItsScopeAndFilterAndUnaltered() {
        catalogue();
        for (int i = 0; i < 5; i++) {
            stored("x-" + i, OTHER, "cust-1", OrderStatus.CREATED, now().minusSeconds(i));
        }
        OrderService svc = service();
        OrderFilter created = OrderFilter.all().withStatuses(OrderStatus.CREATED);
        String cursor = Objects.requireNonNull(
                svc.list(SHOP, created, PageRequest.first(2)).nextCursor());
        assertThat(cursor).hasSizeLessThanOrEqualTo(PageRequest.MAX_CURSOR_LENGTH);
        // the cursor resumes its own listing
        assertThat(svc.list(SHOP, created, PageRequest.after(cursor, 2)).orders())
                .hasSize(2);
        List<OrderFilter> others = List.of(
                OrderFilter.all(),
                OrderFilter.all().withStatuses(OrderStatus.CREATED, OrderStatus.CONFIRMED),
                created.withCustomer("cust-1"),
                created.createdBetween(now().minusSeconds(7200), null));
        for (OrderFilter other : others) {
            assertRejected(() -> svc.list(SHOP, other, PageRequest.after(cursor, 2)), cursor);
        }
        assertRejected(() -> svc.list(OTHER, created, PageRequest.after(cursor, 2)), cursor);
        // altered: each character changed in turn (its top bit flipped: never a padding bit)
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < cursor.length(); i++) {
            char c = alphabet.charAt(alphabet.indexOf(cursor.charAt(i)) ^ 32);
            String altered = cursor.substring(0, i) + c + cursor.substring(i + 1);
            assertRejected(() -> svc.list(SHOP, created, PageRequest.after(altered, 2)), altered);
        }
        for (String bad : List.of("AAAA", "x", cursor.substring(0, cursor.length() - 2), cursor + "AA")) {
            assertRejected(() -> svc.list(SHOP, created, PageRequest.after(bad, 2)), bad);
        }
        for (String malformed :
                List.of("", "not a cursor", "a+b/c=", "€", "x".repeat(PageRequest.MAX_CURSOR_LENGTH + 1))) {
            assertRejected(() -> PageRequest.after(malformed, 2), malformed);
        }
        assertThatThrownBy(() -> PageRequest.after(null, 2))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("cursor"));
    }

    private static void assertRejected(Runnable call, String cursor) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(InvalidRequestException.class, e -> {
            assertThat(e.field()).isEqualTo("cursor");
            assertThat(e.value()).isEqualTo(cursor.length() > 300 ? cursor.substring(0, 300) + "..." : cursor);
        });
    }

    @Test
    void aScopeNeverSeesAnotherScopesOrders() {
        List<Order> mine = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Instant at = now().minusSeconds(i);
            mine.add(stored("m-" + i, SHOP, "shared", OrderStatus.CREATED, at));
            // the other scope's orders interleave with mine, same customer, same status, same instants
            stored("n-" + i, OTHER, "shared", OrderStatus.CREATED, at);
        }
        OrderService svc = service();
        for (OrderFilter f : List.of(
                OrderFilter.all(),
                OrderFilter.all().withStatuses(OrderStatus.CREATED),
                OrderFilter.all().withStatuses(OrderStatus.CREATED, OrderStatus.CONFIRMED),
                OrderFilter.all().withCustomer("shared"),
                OrderFilter.all().createdBetween(now().minusSeconds(100), now().plusSeconds(1)))) {
            assertThat(listed(svc, SHOP, f, 5)).as("%s", f).isEqualTo(expected(mine, o -> true));
            assertThat(listed(svc, OTHER, f, 5)).as("%s", f).allMatch(id -> id.startsWith("n-"));
            assertThat(listed(svc, OTHER, f, 5)).hasSize(12);
        }
        assertThat(listed(svc, Scope.of("shop-q2"), OrderFilter.all(), 5)).isEmpty();
    }

    @Test
    void statusChangesBetweenPagesNeitherRepeatNorResurrectOrders() {
        List<Order> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            all.add(stored(String.format("c-%02d", i), SHOP, "c", OrderStatus.CREATED, now().minusSeconds(100 - i)));
        }
        OrderService svc = service();
        OrderFilter created = OrderFilter.all().withStatuses(OrderStatus.CREATED);
        OrderPage p1 = svc.list(SHOP, created, PageRequest.first(4));
        assertThat(ids(p1.orders())).containsExactly("c-11", "c-10", "c-09", "c-08");
        OrderPage u1 = svc.list(SHOP, OrderFilter.all(), PageRequest.first(4));
        clock.advance(Duration.ofSeconds(1));
        // one listed order and two not yet listed ones leave the filter
        confirm("c-10");
        confirm("c-05");
        confirm("c-02");
        List<String> rest = new ArrayList<>();
        OrderPage p = p1;
        while (p.nextCursor() != null) {
            p = svc.list(SHOP, created, PageRequest.after(p.nextCursor(), 4));
            rest.addAll(ids(p.orders()));
        }
        assertThat(rest).containsExactly("c-07", "c-06", "c-04", "c-03", "c-01", "c-00");
        // an unfiltered listing lists every order once whatever their status changes
        List<String> unfiltered = new ArrayList<>(ids(u1.orders()));
        p = u1;
        while (p.nextCursor() != null) {
            p = svc.list(SHOP, OrderFilter.all(), PageRequest.after(p.nextCursor(), 4));
            unfiltered.addAll(ids(p.orders()));
        }
        assertThat(unfiltered).isEqualTo(expected(all, o -> true));
        // and the current status is what a page shows
        assertThat(svc.list(SHOP, OrderFilter.all().withStatuses(OrderStatus.CONFIRMED), PageRequest.first(10))
                        .orders())
                .extracting(Order::id, Order::status)
                .containsExactly(
                        tuple("c-10", OrderStatus.CONFIRMED),
                        tuple("c-05", OrderStatus.CONFIRMED),
                        tuple("c-02", OrderStatus.CONFIRMED));
    }

    private void confirm(String id) {
        Order o = orders().find(id).orElseThrow();
        assertThat(orders().update(o.transition(OrderStatus.CONFIRMED, now()), o.version(), List.of()))
                .isTrue();
    }

    @Test
    void pagingWhileOrdersAreInsertedConcurrentlyHasNoDuplicatesAndNoGaps() throws Exception {
        List<Order> before = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            // pairs share an instant, so ties sit on page boundaries too
            before.add(stored(
                    String.format("b-%03d", i),
                    SHOP,
                    "cust-" + (i % 2),
                    i % 3 == 0 ? OrderStatus.CONFIRMED : OrderStatus.CREATED,
                    now().minusSeconds(1000 - i / 2)));
        }
        OrderService svc = service();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger inserted = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        ExecutorService writers = Executors.newFixedThreadPool(2);
        List<Future<?>> fs = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int writer = w;
            fs.add(writers.submit(() -> {
                for (int i = 0; !stop.get() && i < 2000; i++) {
                    // newer than every order listed so far (the clock only moves forward)
                    stored("w" + writer + "-" + i, SHOP, "cust-" + (i % 2), OrderStatus.CREATED, clock.instant());
                    inserted.incrementAndGet();
                    started.countDown();
                }
                return null;
            }));
        }
        try {
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            for (OrderFilter f : List.of(
                    OrderFilter.all(),
                    OrderFilter.all().withStatuses(OrderStatus.CREATED, OrderStatus.CONFIRMED),
                    OrderFilter.all().withCustomer("cust-1"))) {
                OrderPage page = svc.list(SHOP, f, PageRequest.first(7));
                List<String> seen = new ArrayList<>(ids(page.orders()));
                int pages = 1;
                while (page.nextCursor() != null) {
                    clock.advance(Duration.ofMillis(1));
                    page = svc.list(SHOP, f, PageRequest.after(page.nextCursor(), 7));
                    seen.addAll(ids(page.orders()));
                    pages++;
                }
                assertThat(new HashSet<>(seen)).as("no duplicates, %s", f).hasSize(seen.size());
                // every order that existed before the listing started is listed, in order, once
                List<String> old =
                        seen.stream().filter(id -> id.startsWith("b-")).toList();
                assertThat(old).as("no gaps, %s", f).isEqualTo(expected(before, f::matches));
                // the orders inserted meanwhile are all newer: listed (if at all) before every older one
                int firstOld = seen.indexOf(old.get(0));
                assertThat(seen.subList(firstOld, seen.size())).allMatch(id -> id.startsWith("b-"));
                assertThat(pages).isGreaterThan(5);
            }
        } finally {
            stop.set(true);
            writers.shutdown();
            assertThat(writers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        }
        for (Future<?> f : fs) {
            f.get();
        }
        assertThat(inserted.get()).isPositive();
        Set<String> after = new HashSet<>(listed(svc, SHOP, OrderFilter.all(), PageRequest.MAX_SIZE));
        assertThat(after).hasSize(before.size() + inserted.get());
    }

    @Test
    void placedOrdersAreListedByTheirCustomerAndStatus() {
        StockKey sku = StockKey.of("q-widget");
        stockUp(sku, 100);
        OrderService svc = service();
        List<String> placed = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            clock.advance(Duration.ofSeconds(1));
            var r = svc.place(PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("list-" + i))
                    .customerRef(i % 2 == 0 ? "alice" : "bob")
                    .currency("eur")
                    .paymentMethod("pm_card_visa")
                    .line(sku.sku(), 1, 500)
                    .build());
            assertThat(r.outcome()).isEqualTo(PlacementOutcome.PLACED);
            placed.add(r.order().id());
        }
        svc.cancel(SHOP, placed.get(4), "changed mind");
        assertThat(listed(svc, SHOP, OrderFilter.all().withCustomer("alice"), 2))
                .containsExactly(placed.get(4), placed.get(2), placed.get(0));
        assertThat(listed(svc, SHOP, OrderFilter.all().withCustomer("alice").withStatuses(OrderStatus.CONFIRMED), 2))
                .containsExactly(placed.get(2), placed.get(0));
        assertThat(listed(svc, SHOP, OrderFilter.all().withStatuses(OrderStatus.CANCELLED), 2))
                .containsExactly(placed.get(4));
        assertThat(listed(svc, SHOP, OrderFilter.all().withCustomer("Alice"), 2))
                .as("customer references are compared exactly")
                .isEmpty();
        assertThat(listed(svc, OTHER, OrderFilter.all().withCustomer("alice"), 2))
                .isEmpty();
    }
}
