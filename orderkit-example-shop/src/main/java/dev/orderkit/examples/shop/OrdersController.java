package dev.orderkit.examples.shop;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.Money;
import dev.orderkit.core.NotFoundException;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderFilter;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderPage;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PageRequest;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.Refund;
import dev.orderkit.core.Scope;
import dev.orderkit.core.SubmitResult;
import dev.orderkit.spring.boot.Idempotent;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.responses.ApiResponses;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * {@code /v1/orders}: every call works in the caller's store ({@link ApiKeyFilter#STORE}), which is
 * the orderkit {@link Scope}: an order of another store is {@code 404}, as if it did not exist.
 * Thread-safe.
 */
@RestController
@RequestMapping("/v1/orders")
public class OrdersController {
    /** The idempotency header (the IETF draft's name; the starter's default). */
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final OrderKit kit;
    private final ShopProperties.Placement placement;

    /**
     * Creates the controller.
     *
     * @param kit the starter's kit
     * @param properties the shop's properties ({@code shop.placement})
     */
    public OrdersController(OrderKit kit, ShopProperties properties) {
        this.kit = kit;
        this.placement = properties.placement();
    }

    /**
     * Places an order. {@link Idempotent}: the starter answers a missing key {@code 400}, a repeat
     * while the first runs {@code 409}, the key with another body {@code 422}, and a repeat after it
     * with the stored response (header {@code Idempotent-Replayed: true}). The key is also the
     * kit's placement key, so even a repeat after the stored response is gone creates no second
     * order.
     *
     * <p>With {@code shop.placement=async} the order is submitted ({@code OrderService.submit}):
     * {@code 202} with outcome {@code ACCEPTED} and {@code Location: /v1/orders/{id}} as soon as its
     * stock is held (the payment workers finish it; poll the location), {@code 503} with
     * {@code Retry-After} when too many orders await payment (nothing written; the key is
     * released, retry with it), and an outcome known at once (out of stock, a repeat of a key whose
     * order is finished) with the same status as in sync mode.
     *
     * @param store the caller's store
     * @param key the Idempotency-Key header
     * @param body the order
     * @return 201 placed, 202 the customer must act on the payment (or, async, the order is
     *     accepted), 200 any other outcome (in the body: out of stock, declined ... are answers,
     *     not errors)
     * @throws PlacementBusyException (async) when the backlog is full: 503
     */
    @PostMapping
    @Idempotent
    @ApiResponses({
        @ApiResponse(responseCode = "201", description = "placed (sync), or a finished placement replayed"),
        @ApiResponse(
                responseCode = "202",
                description = "the customer must act on the payment; in async mode (shop.placement=async) also: "
                        + "accepted, outcome ACCEPTED, paid in the background (follow Location)"),
        @ApiResponse(
                responseCode = "200",
                description = "any other outcome: out of stock, declined, reservation expired, cancelled"),
        @ApiResponse(
                responseCode = "503",
                description = "async mode: too many orders await payment, nothing written; retry after the "
                        + "Retry-After seconds with the same Idempotency-Key. Also: a backend or the gateway is "
                        + "unavailable",
                headers = @Header(name = "Retry-After", description = "seconds"),
                content = @Content(mediaType = "application/problem+json"))
    })
    public ResponseEntity<Api.Placement> place(
            @RequestAttribute(ApiKeyFilter.STORE) String store,
            @RequestHeader(IDEMPOTENCY_KEY) String key,
            @Valid @RequestBody Api.PlaceOrder body) {
        PlaceOrderRequest.Builder request = PlaceOrderRequest.builder(Scope.of(store), IdempotencyKey.of(unquote(key)))
                .customerRef(Objects.requireNonNull(body.customerRef()))
                .currency(Objects.requireNonNull(body.currency()).toUpperCase(Locale.ROOT))
                .paymentMethod(Objects.requireNonNull(body.paymentMethod()));
        for (Api.Line line : Objects.requireNonNull(body.lines())) {
            request.line(
                    Objects.requireNonNull(line.sku()),
                    Objects.requireNonNull(line.quantity()),
                    Objects.requireNonNull(line.unitPriceMinor()));
        }
        if (placement == ShopProperties.Placement.SYNC) {
            return finished(kit.orders().place(request.build()));
        }
        SubmitResult submitted = kit.orders().submit(request.build());
        if (submitted instanceof SubmitResult.Accepted a) {
            return ResponseEntity.status(HttpStatus.ACCEPTED)
                    .location(location(a.order()))
                    .body(Api.Placement.accepted(a.order()));
        }
        if (submitted instanceof SubmitResult.Finished f) {
            return finished(f.result());
        }
        SubmitResult.Busy b = (SubmitResult.Busy) submitted;
        throw new PlacementBusyException(b.retryAfter(), b.backlog());
    }

    /** The answer for a placement's outcome, the same in sync and async mode. */
    private static ResponseEntity<Api.Placement> finished(PlaceOrderResult result) {
        HttpStatus status = switch (result.outcome()) {
            case PLACED -> HttpStatus.CREATED;
            case PAYMENT_ACTION_REQUIRED -> HttpStatus.ACCEPTED;
            case OUT_OF_STOCK, PAYMENT_DECLINED, RESERVATION_EXPIRED, CANCELLED -> HttpStatus.OK;
        };
        return ResponseEntity.status(status).location(location(result.order())).body(Api.Placement.of(result));
    }

    private static URI location(Order order) {
        return URI.create("/v1/orders/" + order.id());
    }

    /**
     * Lists the store's orders, newest first, a page at a time.
     *
     * @param store the caller's store
     * @param status statuses to list (repeat the parameter or separate with commas); all if absent
     * @param customer only this customer's orders
     * @param limit page size, 1..500
     * @param cursor the {@code nextCursor} of the previous page
     * @return the page, with a {@code Link: <...>; rel="next"} header unless it is the last
     */
    @GetMapping
    public ResponseEntity<Api.OrderPageView> list(
            @RequestAttribute(ApiKeyFilter.STORE) String store,
            @RequestParam(required = false) @Nullable List<String> status,
            @RequestParam(required = false) @Nullable String customer,
            @RequestParam(defaultValue = "50") int limit,
            @RequestParam(required = false) @Nullable String cursor) {
        if (limit < 1 || limit > PageRequest.MAX_SIZE) {
            throw new InvalidRequestException("limit", limit, "must be between 1 and " + PageRequest.MAX_SIZE);
        }
        OrderFilter filter = OrderFilter.all().withStatuses(statuses(status));
        if (customer != null) {
            filter = filter.withCustomer(customer);
        }
        PageRequest page = cursor == null ? PageRequest.first(limit) : PageRequest.after(cursor, limit);
        OrderPage result = kit.orders().list(Scope.of(store), filter, page);
        ResponseEntity.BodyBuilder ok = ResponseEntity.ok();
        String next = result.nextCursor();
        if (next != null) {
            UriComponentsBuilder link = UriComponentsBuilder.fromPath("/v1/orders")
                    .queryParam("limit", limit)
                    .queryParam("cursor", next);
            if (status != null) {
                link.queryParam("status", String.join(",", status));
            }
            if (customer != null) {
                link.queryParam("customer", customer);
            }
            ok.header("Link", "<" + link.encode().build().toUriString() + ">; rel=\"next\"");
        }
        return ok.body(new Api.OrderPageView(
                result.orders().stream().map(Api.OrderView::of).toList(), next));
    }

    /**
     * One order of the store, with its version as a strong ETag: a GET with a matching
     * {@code If-None-Match} is answered {@code 304} (Spring MVC compares it for a ResponseEntity).
     *
     * @param store the caller's store
     * @param id the order id
     * @return the order
     */
    @GetMapping("/{id}")
    public ResponseEntity<Api.OrderView> get(
            @RequestAttribute(ApiKeyFilter.STORE) String store, @PathVariable String id) {
        Order order = kit.orders().get(Scope.of(store), id).orElseThrow(() -> new NotFoundException("order", id));
        return ResponseEntity.ok().eTag(etag(order)).body(Api.OrderView.of(order));
    }

    /**
     * Cancels an order: its stock goes back, its payment is voided. Idempotent by nature.
     *
     * @param store the caller's store
     * @param id the order id
     * @param body the reason (optional)
     * @return the cancelled order
     */
    @PostMapping("/{id}/cancel")
    public ResponseEntity<Api.OrderView> cancel(
            @RequestAttribute(ApiKeyFilter.STORE) String store,
            @PathVariable String id,
            @Valid @RequestBody(required = false) Api.@Nullable Cancel body) {
        String reason = body != null && body.reason() != null ? body.reason() : "cancelled by the store";
        Order order = kit.orders().cancel(Scope.of(store), id, reason);
        return ResponseEntity.ok().eTag(etag(order)).body(Api.OrderView.of(order));
    }

    /**
     * Fulfils (ships) a confirmed order: its units leave on-hand, the payment is captured.
     * Idempotent by nature.
     *
     * @param store the caller's store
     * @param id the order id
     * @return the fulfilled order
     */
    @PostMapping("/{id}/fulfil")
    public ResponseEntity<Api.OrderView> fulfil(
            @RequestAttribute(ApiKeyFilter.STORE) String store, @PathVariable String id) {
        Order order = kit.orders().fulfil(Scope.of(store), id);
        return ResponseEntity.ok().eTag(etag(order)).body(Api.OrderView.of(order));
    }

    /**
     * Refunds part of a fulfilled order. The Idempotency-Key names the refund: one refund per key,
     * never above what was captured.
     *
     * @param store the caller's store
     * @param id the order id
     * @param key the Idempotency-Key header
     * @param body the amount
     * @return 201 with the refund (its status says whether the gateway refunded) and the order
     */
    @PostMapping("/{id}/refunds")
    @Idempotent
    public ResponseEntity<Api.RefundResult> refund(
            @RequestAttribute(ApiKeyFilter.STORE) String store,
            @PathVariable String id,
            @RequestHeader(IDEMPOTENCY_KEY) String key,
            @Valid @RequestBody Api.RefundRequest body) {
        Scope scope = Scope.of(store);
        Order before = kit.orders().get(scope, id).orElseThrow(() -> new NotFoundException("order", id));
        String refundKey = unquote(key);
        Order after = kit.orders()
                .refund(
                        scope,
                        id,
                        Money.of(
                                Objects.requireNonNull(body.amountMinor()),
                                before.total().currency()),
                        IdempotencyKey.of(refundKey));
        Refund refund = after.refund(Refund.idFor(refundKey))
                .orElseThrow(() -> new IllegalStateException("refund " + refundKey + " not recorded on " + id));
        return ResponseEntity.status(HttpStatus.CREATED)
                .body(new Api.RefundResult(Api.RefundView.of(refund), Api.OrderView.of(after)));
    }

    private static String etag(Order order) {
        return "\"" + order.version() + "\"";
    }

    /** The IETF draft sends the key as a structured-field string ({@code "..."}); a bare token is accepted. */
    static String unquote(String raw) {
        String s = raw.strip();
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }

    private static Set<OrderStatus> statuses(@Nullable List<String> names) {
        Set<OrderStatus> out = EnumSet.noneOf(OrderStatus.class);
        if (names == null) {
            return out;
        }
        for (String list : names) {
            for (String name : list.split(",", -1)) {
                if (name.isBlank()) {
                    continue;
                }
                try {
                    out.add(OrderStatus.valueOf(name.strip().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new InvalidRequestException(
                            "status", name, "is not one of " + EnumSet.allOf(OrderStatus.class));
                }
            }
        }
        return out;
    }
}
