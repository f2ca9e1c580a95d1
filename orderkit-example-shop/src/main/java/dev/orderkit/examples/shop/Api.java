package dev.orderkit.examples.shop;

import dev.orderkit.core.Order;
import dev.orderkit.core.OrderLine;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.Refund;
import dev.orderkit.core.Shortfall;
import dev.orderkit.core.StockLevel;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The JSON documents of the API. Requests are validated with Bean Validation (a violation is a
 * {@code 400} problem naming the field, e.g. {@code lines[0].quantity}); field names match
 * orderkit's own, so a problem the kit reports names the same field. Amounts are in minor units
 * (cents). Immutable.
 */
public final class Api {
    private Api() {}

    /**
     * {@code POST /v1/orders}.
     *
     * @param customerRef the customer
     * @param currency ISO 4217 code
     * @param paymentMethod the payment method (with simulated payments, {@code pm_decline...} is
     *     declined and {@code pm_action...} needs a customer action, settled by the Stripe webhook)
     * @param lines what is bought, at most 100 lines
     */
    public record PlaceOrder(
            @NotBlank @Size(max = 128) @Nullable String customerRef,

            @NotNull @Pattern(regexp = "[A-Za-z]{3}", message = "must be a three-letter ISO 4217 code")
            String currency,

            @NotBlank @Size(max = 255) @Nullable String paymentMethod,
            @NotEmpty @Size(max = 100) @Nullable List<@Valid @NotNull Line> lines) {}

    /**
     * One line of {@link PlaceOrder}.
     *
     * @param sku the SKU
     * @param quantity units, positive
     * @param unitPriceMinor price per unit in minor units
     */
    public record Line(
            @NotBlank @Size(max = 128) @Nullable String sku,
            @NotNull @Positive Long quantity,
            @NotNull @PositiveOrZero Long unitPriceMinor) {}

    /**
     * {@code POST /v1/orders/{id}/cancel} (the body is optional).
     *
     * @param reason recorded on the order
     */
    public record Cancel(@Size(max = 500) @Nullable String reason) {}

    /**
     * {@code POST /v1/orders/{id}/refunds}.
     *
     * @param amountMinor the amount to refund, in the order's currency
     */
    public record RefundRequest(@NotNull @Positive Long amountMinor) {}

    /**
     * {@code PUT /v1/inventory/{sku}}: a stock count.
     *
     * @param onHand units physically present
     */
    public record SetInventory(@NotNull @PositiveOrZero Long onHand) {}

    /**
     * An order line.
     *
     * @param sku the SKU
     * @param quantity units
     * @param unitPriceMinor price per unit
     */
    public record LineView(String sku, long quantity, long unitPriceMinor) {
        static LineView of(OrderLine l) {
            return new LineView(l.sku(), l.quantity(), l.unitPriceMinor());
        }
    }

    /**
     * A refund of an order.
     *
     * @param id the refund id
     * @param amountMinor the amount
     * @param status PENDING, SUCCEEDED or FAILED
     */
    public record RefundView(String id, long amountMinor, String status) {
        static RefundView of(Refund r) {
            return new RefundView(r.id(), r.amount().minor(), r.status().name());
        }
    }

    /**
     * An order.
     *
     * @param id the id
     * @param status the status
     * @param customerRef the customer
     * @param currency the currency
     * @param totalMinor the total
     * @param lines the lines
     * @param refunds the refunds
     * @param failureReason why it was declined, rejected or cancelled
     * @param version incremented by every change (the ETag)
     * @param createdAt created
     * @param updatedAt last changed
     */
    public record OrderView(
            String id,
            String status,
            String customerRef,
            String currency,
            long totalMinor,
            List<LineView> lines,
            List<RefundView> refunds,
            @Nullable String failureReason,
            long version,
            Instant createdAt,
            Instant updatedAt) {
        static OrderView of(Order o) {
            return new OrderView(
                    o.id(),
                    o.status().name(),
                    o.customerRef(),
                    o.total().currency(),
                    o.total().minor(),
                    o.lines().stream().map(LineView::of).toList(),
                    o.refunds().stream().map(RefundView::of).toList(),
                    o.failureReason(),
                    o.version(),
                    o.createdAt(),
                    o.updatedAt());
        }
    }

    /**
     * A missing quantity.
     *
     * @param sku the SKU
     * @param requested units asked for
     * @param available units available
     */
    public record ShortfallView(String sku, long requested, long available) {
        static ShortfallView of(Shortfall s) {
            return new ShortfallView(s.sku(), s.requested(), s.available());
        }
    }

    /**
     * The answer of {@code POST /v1/orders}: a business outcome, replayed as is under its key.
     *
     * @param outcome PLACED, OUT_OF_STOCK, PAYMENT_DECLINED, PAYMENT_ACTION_REQUIRED,
     *     RESERVATION_EXPIRED or CANCELLED; ACCEPTED in asynchronous mode ({@code shop.placement=async})
     *     while the payment is pending (follow the {@code Location} for the outcome)
     * @param order the order
     * @param shortfalls what was missing (OUT_OF_STOCK)
     * @param declineReason why the payment was declined
     */
    public record Placement(
            String outcome,
            OrderView order,
            List<ShortfallView> shortfalls,
            @Nullable String declineReason) {
        static Placement accepted(Order o) {
            return new Placement("ACCEPTED", OrderView.of(o), List.of(), null);
        }

        static Placement of(PlaceOrderResult r) {
            return new Placement(
                    r.outcome().name(),
                    OrderView.of(r.order()),
                    r.shortfalls().stream().map(ShortfallView::of).toList(),
                    r.declineReason());
        }
    }

    /**
     * A page of orders.
     *
     * @param orders newest first
     * @param nextCursor pass as {@code cursor} for the next page; null on the last
     */
    public record OrderPageView(
            List<OrderView> orders, @Nullable String nextCursor) {}

    /**
     * A refund and the order after it.
     *
     * @param refund the refund
     * @param order the order
     */
    public record RefundResult(RefundView refund, OrderView order) {}

    /**
     * A stock level (the default location).
     *
     * @param sku the SKU
     * @param onHand units present
     * @param reserved units held or committed
     * @param held units held by unpaid reservations
     * @param committed units of paid orders not yet shipped
     * @param available units that can be sold
     * @param version the level's version (the ETag)
     */
    public record InventoryView(
            String sku, long onHand, long reserved, long held, long committed, long available, long version) {
        static InventoryView of(StockLevel l) {
            return new InventoryView(
                    l.key().sku(), l.onHand(), l.reserved(), l.held(), l.committed(), l.available(), l.version());
        }
    }
}
