package dev.orderkit.examples;

import dev.orderkit.core.AllocationStrategy;
import dev.orderkit.core.AsyncPlacement;
import dev.orderkit.core.Background;
import dev.orderkit.core.BackgroundTaskStatus;
import dev.orderkit.core.DriftReport;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.IdempotencyKeyReuseException;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.Money;
import dev.orderkit.core.MovementPage;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderFilter;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderKitException;
import dev.orderkit.core.OrderPage;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PageRequest;
import dev.orderkit.core.PaymentPacing;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.Refund;
import dev.orderkit.core.RefundExceedsCaptureException;
import dev.orderkit.core.RequestInProgressException;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationExpiredException;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.StockPolicy;
import dev.orderkit.core.SubmitResult;
import dev.orderkit.core.memory.InMemoryEventSink;
import dev.orderkit.micrometer.MicrometerInstrumentation;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * The code shown in README.md, kept here so it compiles (and runs in ReadmeSnippetsTest).
 * Each method is one README snippet; keep them in sync.
 */
public final class ReadmeSnippets {
    private ReadmeSnippets() {}

    /**
     * README "Quick start in code".
     *
     * @return the outcome of the placement
     */
    public static PlaceOrderResult quickStart() {
        // README:quick-start
        OrderKit kit = OrderKit.builder().build(); // in-memory backends, simulated payments
        kit.stock().adjust(StockKey.of("tee-black-m"), 10, "initial stock");

        PlaceOrderRequest request = PlaceOrderRequest.builder(
                        Scope.of("my-shop"), IdempotencyKey.of("checkout-7f3a")) // the client's Idempotency-Key
                .customerRef("customer-42")
                .currency("EUR")
                .paymentMethod("pm_card_visa")
                .line("tee-black-m", 2, 1999) // sku, quantity, unit price (cents)
                .build();

        PlaceOrderResult result = kit.orders().place(request); // safe to retry with the same key
        switch (result.outcome()) {
            case PLACED -> System.out.println("order " + result.order().id() + " confirmed");
            case OUT_OF_STOCK -> System.out.println("short: " + result.shortfalls());
            case PAYMENT_DECLINED -> System.out.println("declined: " + result.declineReason());
            case PAYMENT_ACTION_REQUIRED -> System.out.println("customer must authenticate the payment");
            case RESERVATION_EXPIRED -> System.out.println("hold expired before payment completed");
            case CANCELLED -> System.out.println("cancelled: " + result.order().failureReason());
        }
        // END
        return result;
    }

    /**
     * README "Errors a web layer maps": the HTTP answer to a checkout request, in line with the IETF
     * Idempotency-Key draft (400 key missing, 409 the key's first request still running, 422 the key
     * reused with another body); business outcomes are completed requests, never conflicts.
     *
     * @param kit the kit
     * @param idempotencyKeyHeader the request's {@code Idempotency-Key} header, {@code null} when absent
     * @param quantity units of the one line
     * @return an HTTP status code
     */
    public static int httpStatusFor(OrderKit kit, @Nullable String idempotencyKeyHeader, int quantity) {
        // README:http-mapping
        try {
            PlaceOrderRequest request = PlaceOrderRequest.builder(
                            Scope.of("my-shop"), IdempotencyKey.of(idempotencyKeyHeader)) // absent or blank: 400
                    .customerRef("customer-42")
                    .currency("EUR")
                    .paymentMethod("pm_card_visa")
                    .line("tee-black-m", quantity, 1999)
                    .build();
            PlaceOrderResult r = kit.orders().place(request); // a replay gets the same status and body
            return switch (r.outcome()) {
                case PLACED -> 201; // Created
                case PAYMENT_ACTION_REQUIRED -> 202; // Accepted: the customer must authenticate the payment
                // completed with a business outcome (in the body): not an error, not a conflict
                case OUT_OF_STOCK, PAYMENT_DECLINED, RESERVATION_EXPIRED, CANCELLED -> 200;
            };
        } catch (InvalidRequestException e) {
            return 400; // e.field() names the bad field: "idempotencyKey" when the header is absent or blank
        } catch (IdempotencyKeyReuseException e) {
            return 422; // same key, different payload: client bug
        } catch (RequestInProgressException e) {
            return 409; // the key's first request is still running: send Retry-After: e.retryAfter()
        } catch (OrderKitException e) {
            return e.isRetryable() ? 503 : 500; // backend / gateway trouble: retry with the same key
        }
        // END
    }

    /**
     * README "Held vs committed, backorders and preorders".
     *
     * @return the level of the preordered SKU after the reservations
     */
    public static StockLevel backordersAndPreorders() {
        // README:stock-policies
        OrderKit kit = OrderKit.builder().build();
        StockKey console = StockKey.of("console-x");
        kit.stock().adjust(console, 3, "delivery-1");
        kit.stock().setPolicy(console, StockPolicy.backorder(10), "backorder-console-x"); // 3 + 10 reservable

        Reservation a = kit.stock()
                .reserve(new ReservationRequest(
                        "cart-1", List.of(ReservationLine.of("console-x", 5)), Duration.ofMinutes(10)));
        kit.stock().commit(a.id()); // paid: its 5 units move from held to committed
        StockLevel level = kit.stock().level(console).orElseThrow();
        // onHand 3, reserved 5 = held 0 + committed 5, available -2 (owed), reservable 8
        System.out.println(level.held() + " held, " + level.committed() + " committed, " + level.available());

        StockKey game = StockKey.of("game-y");
        kit.stock()
                .setPolicy(game, StockPolicy.preorder(100, Instant.parse("2030-03-01T00:00:00Z")), "preorder-game-y");
        kit.stock()
                .reserve(
                        new ReservationRequest("cart-2", List.of(ReservationLine.of("game-y", 2)), Duration.ofDays(7)));
        // END
        return kit.stock().level(game).orElseThrow();
    }

    /**
     * README "Observability": meters in a registry, observations (spans) in an observation registry.
     *
     * @param meterRegistry where the {@code orderkit.*} meters go (Prometheus, OTLP, ...)
     * @param observationRegistry where observations go (Micrometer Tracing / OpenTelemetry handlers)
     * @return a kit reporting to both
     */
    public static OrderKit observability(MeterRegistry meterRegistry, ObservationRegistry observationRegistry) {
        // README:observability
        MicrometerInstrumentation instrumentation = MicrometerInstrumentation.builder()
                .meterRegistry(meterRegistry) // orderkit.* counters, timers and gauges
                .observationRegistry(observationRegistry) // spans around place, reserve and payment calls
                .build();
        OrderKit kit = OrderKit.builder()
                .instrumentation(instrumentation) // default: Instrumentation.noop()
                .build();
        // with the JDBC backend, its outbox publisher reports to the same instrumentation:
        // jdbcBackend.outboxPublisher(sink, OutboxPublisher.Settings.defaults(), instrumentation)
        // END
        return kit;
    }

    /**
     * README "Listing orders": every confirmed or fulfilled order of one customer created since the
     * start of 2026, a page at a time.
     *
     * @param kit the kit
     * @return the orders, newest first
     */
    public static List<Order> listOrders(OrderKit kit) {
        // README:list-orders
        Scope shop = Scope.of("my-shop");
        OrderFilter filter = OrderFilter.all()
                .withCustomer("customer-42")
                .withStatuses(OrderStatus.CONFIRMED, OrderStatus.FULFILLED)
                .createdBetween(Instant.parse("2026-01-01T00:00:00Z"), null); // [from, to), null: open
        List<Order> orders = new ArrayList<>();
        OrderPage page = kit.orders().list(shop, filter, PageRequest.first(100)); // 1..500 (default 50)
        orders.addAll(page.orders()); // newest first: createdAt descending, ties by id descending
        while (page.hasMore()) { // nextCursor(): an opaque string, hand it to the client as is
            page = kit.orders().list(shop, filter, PageRequest.after(page.nextCursor(), 100));
            orders.addAll(page.orders());
        }
        // END
        return orders;
    }

    /**
     * README "Reserving stock directly".
     *
     * @return the reservation
     */
    public static Reservation reserveDirectly() {
        // README:reserve
        InMemoryEventSink events = new InMemoryEventSink();
        OrderKit kit = OrderKit.builder()
                .eventSink(events)
                .allocationStrategy(AllocationStrategy.preferSingleLocation(List.of("berlin", "paris"), false))
                .retry(RetrySettings.defaults().withPaymentRetries(5, Duration.ofMillis(200), Duration.ofSeconds(10)))
                .reservationTtl(Duration.ofMinutes(10))
                .build();
        kit.stock().adjust(StockKey.of("mug", "berlin"), 1, "restock");
        kit.stock().adjust(StockKey.of("mug", "paris"), 5, "restock");
        kit.stock().adjust(StockKey.of("plate", "paris"), 5, "restock");

        Reservation hold = kit.stock()
                .reserve(new ReservationRequest(
                        "cart-981",
                        List.of(ReservationLine.of("mug", 2), ReservationLine.of("plate", 1)), // all or nothing
                        Duration.ofMinutes(10))); // both served from paris
        kit.stock().commit(hold.id()); // paid: no longer expires
        try {
            kit.stock()
                    .reserve(new ReservationRequest(
                            "cart-982", List.of(ReservationLine.of("mug", 99)), Duration.ofMinutes(10)));
        } catch (InsufficientStockException e) {
            System.out.println("short: " + e.shortfalls()); // nothing was held
        }
        // END
        return hold;
    }

    /**
     * README "Operations": background work on the application's executor, its status, close.
     *
     * @return the status of each task when the kit was closed
     */
    public static List<BackgroundTaskStatus> backgroundWork() {
        // README:background
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(); // optional
        OrderKit kit = OrderKit.builder()
                .background(Background.on() // off by default
                        .withRecoveryEvery(Duration.ofSeconds(15))
                        .withExpiryEvery(Duration.ofSeconds(2)))
                .backgroundExecutor(executor) // leave out: the kit owns one daemon thread
                .build();
        for (BackgroundTaskStatus s : kit.backgroundStatus()) { // health checks, metrics
            System.out.println(s.task() + ": " + s.runs() + " runs, " + s.consecutiveFailures()
                    + " failures in a row, last error " + s.lastError() + ", next at " + s.nextRunAt());
        }
        kit.close(); // on shutdown: cancels the kit's runs, waits for one in flight
        executor.shutdown(); // yours: the kit never shuts it down
        // END
        return kit.backgroundStatus();
    }

    /**
     * README "Two modes": a submit answered at once, the payment made by the kit's workers.
     *
     * @return the order's status once the workers finished it
     * @throws InterruptedException if interrupted while waiting
     */
    public static OrderStatus asyncPlacement() throws InterruptedException {
        // README:async-placement
        OrderKit kit = OrderKit.builder()
                // ... backends ...
                .background(Background.on()) // the payment workers run with it
                .paymentPacing(PaymentPacing.perSecond(80)) // stay under the gateway's limit
                .asyncPlacement(AsyncPlacement.defaults().withMaxBacklog(20_000).withHoldTtl(Duration.ofMinutes(30)))
                .build();
        kit.stock().adjust(StockKey.of("tee-black-m"), 10, "initial stock");
        PlaceOrderRequest request = PlaceOrderRequest.builder(Scope.of("shop-1"), IdempotencyKey.of("checkout-7"))
                .customerRef("cust-7")
                .line("tee-black-m", 1, 1999)
                .build();

        SubmitResult r = kit.orders().submit(request);
        if (r instanceof SubmitResult.Accepted a) { // 202 + Location: /orders/{a.order().id()}
            System.out.println("accepted " + a.order().id());
        } else if (r instanceof SubmitResult.Finished f) { // the outcome, as place() would answer it
            System.out.println("finished: " + f.result().outcome());
        } else if (r instanceof SubmitResult.Busy b) { // 503 + Retry-After: b.retryAfter()
            System.out.println("busy, retry after " + b.retryAfter());
        }
        // END
        String id = ((SubmitResult.Accepted) r).order().id();
        try {
            for (int i = 0; i < 500; i++) {
                OrderStatus status =
                        kit.orders().get(Scope.of("shop-1"), id).orElseThrow().status();
                if (!status.isPlacementInFlight()) {
                    return status;
                }
                Thread.sleep(20);
            }
            throw new IllegalStateException("order " + id + " was not finished by the workers");
        } finally {
            kit.close();
        }
    }

    /**
     * README "Keeping a hold longer": the order's hold while the customer completes a 3-D Secure
     * step, and a cart's hold through the ledger.
     *
     * @param kit the kit (its stock has 10 {@code tee-black-m})
     * @return the extended hold of the order
     */
    public static Reservation holdRenewal(OrderKit kit) {
        Scope shop = Scope.of("my-shop");
        Order order = kit.orders()
                .place(PlaceOrderRequest.builder(shop, IdempotencyKey.of("checkout-3ds"))
                        .customerRef("customer-42")
                        .currency("EUR")
                        .paymentMethod("pm_action_3ds")
                        .line("tee-black-m", 1, 1999)
                        .build())
                .order();
        // README:hold-renewal
        // the customer is still on the bank's 3-D Secure page: keep the order's stock for 20 minutes from now
        Instant until = Instant.now().plus(Duration.ofMinutes(20));
        try {
            Reservation hold = kit.orders().extendHold(shop, order.id(), until); // idempotent: safe to repeat
            System.out.println("held until " + hold.expiresAt()); // recovery will not cancel it before
        } catch (InvalidRequestException e) {
            System.out.println("beyond maxHold: " + e.getMessage()); // e.field() is "until"
        } catch (ReservationExpiredException e) {
            System.out.println("too late: the hold expired; recovery cancels the order");
        }

        // a cart's own hold (not an order's) through the ledger
        kit.stock()
                .reserve(new ReservationRequest(
                        "cart-77", List.of(ReservationLine.of("tee-black-m", 1)), Duration.ofMinutes(5)));
        kit.stock().extend("cart-77", Instant.now().plus(Duration.ofMinutes(15))); // never shortens
        // END
        return kit.stock().reservation(order.id()).orElseThrow();
    }

    /**
     * README "Refunds and disputes": a partial refund of a fulfilled order, idempotent on the
     * caller's refund key (here the return's id), and what an over-refund answers.
     *
     * @param kit the kit
     * @param orderId a fulfilled order of 39.98 EUR
     * @return the order after the refund
     */
    public static Order refundAReturn(OrderKit kit, String orderId) {
        // README:refund
        Scope shop = Scope.of("my-shop");
        Order order = kit.orders()
                .refund(shop, orderId, Money.of(1999, "eur"), IdempotencyKey.of("return-8812")); // safe to retry
        Refund refund = order.refund(Refund.idFor("return-8812")).orElseThrow();
        System.out.println(refund.status() + " " + refund.amount() + ", refunded " + order.refunded() + " of "
                + order.total() + ", order " + order.status()); // FULFILLED, or REFUNDED when all of it
        try {
            kit.orders().refund(shop, orderId, Money.of(5000, "eur"), IdempotencyKey.of("return-8813"));
        } catch (RefundExceedsCaptureException e) { // never above what was captured; nothing written
            System.out.println("at most " + e.refundable() + " can still be refunded");
        }
        // END
        return order;
    }

    /**
     * README "Drift check and the movement ledger": a page of levels verified against their own
     * ledger, and the movements of one level read page by page.
     *
     * @param kit a kit whose stock has the SKU {@code mug}
     * @return the drift report of the SKU's levels
     */
    public static DriftReport driftCheck(OrderKit kit) {
        // README:drift-check
        List<StockKey> page = kit.stock().levels("mug").stream() // or your own list, at most 500 keys
                .map(StockLevel::key)
                .toList();
        DriftReport report = kit.stock().verify(page); // one consistent read per level, writers keep going
        for (DriftReport.Drift d : report.drifts()) { // empty unless something wrote behind orderkit's back
            System.out.println(d.key() + " " + d.check() + " " + d.quantity() + ": ledger says " + d.expected()
                    + ", level has " + d.actual());
        }
        String cursor = null; // the movements of one level, oldest first, 100 at a time
        do {
            MovementPage movements = kit.stock().movements(StockKey.of("mug", "paris"), cursor, 100);
            movements.movements().forEach(m -> System.out.println(m.reason() + " " + m.onHandDelta()));
            cursor = movements.nextCursor().orElse(null); // keep resumeCursor() to read new ones later
        } while (cursor != null);
        // END
        return report;
    }
}
