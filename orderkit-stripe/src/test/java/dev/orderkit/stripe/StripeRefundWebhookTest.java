package dev.orderkit.stripe;

import static dev.orderkit.stripe.StripeWebhookHandlerTest.SECRET;
import static dev.orderkit.stripe.StripeWebhookHandlerTest.sign;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.Money;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.Refund;
import dev.orderkit.core.memory.InMemoryInboxStore;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Refund, charge and dispute webhooks update the order; malformed order ids are rejected with a 4xx. */
class StripeRefundWebhookTest {
    StripeKit k;
    StripeWebhookHandler handler;
    InMemoryInboxStore inbox;

    @BeforeEach
    void start() {
        k = new StripeKit(CaptureMode.MANUAL);
        inbox = new InMemoryInboxStore();
        handler = StripeWebhookHandler.builder(k.kit.orders())
                .signingSecret(SECRET)
                .paymentPort(k.port)
                .inbox(inbox)
                .build();
    }

    @AfterEach
    void stop() {
        k.close();
    }

    /** A fulfilled (captured) order of 2 × 1250 eur. */
    Order fulfilled(String key) {
        Order placed = k.place(key, "pm_card_visa", 2).order();
        Order done = k.kit.orders().fulfil(StripeKit.SCOPE, placed.id());
        assertThat(done.status()).isEqualTo(OrderStatus.FULFILLED);
        assertThat(done.total()).isEqualTo(Money.of(2500, "eur"));
        return done;
    }

    Order reload(Order o) {
        return k.kit.orders().get(StripeKit.SCOPE, o.id()).orElseThrow();
    }

    String pi(Order o) {
        return Objects.requireNonNull(o.paymentId());
    }

    WebhookOutcome deliver(String payload) {
        return handler.handle(payload, sign(SECRET, payload));
    }

    ObjectNode dispute(String id, Order o, long amount, String status) {
        ObjectNode d = JsonNodeFactory.instance.objectNode();
        d.put("id", id);
        d.put("object", "dispute");
        d.put("amount", amount);
        d.put("currency", "eur");
        d.put("status", status);
        d.put("reason", "fraudulent");
        d.put("payment_intent", pi(o));
        d.put("charge", "ch_1");
        d.putObject("metadata");
        return d;
    }

    @Test
    void theReportOfOrderkitsOwnRefundIsMatchedAndChangesNothing() {
        Order o = fulfilled("rw-1");
        Order refunded = k.kit.orders().refund(StripeKit.SCOPE, o.id(), Money.of(500, "eur"), IdempotencyKey.of("r-1"));
        Refund r = refunded.refund(Refund.idFor("r-1")).orElseThrow();
        JsonNode atStripe = k.server.refundsOf(pi(o)).get(0);
        assertThat(r.gatewayRefundId()).isEqualTo(atStripe.get("id").asText());
        assertThat(atStripe.path("metadata").path("orderkit_idempotency_key").asText())
                .isEqualTo(o.paymentKey("refund:" + r.id()));

        assertThat(deliver(k.server.event("refund.created", atStripe))).isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(deliver(k.server.event("refund.updated", atStripe))).isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(reload(o)).isEqualTo(refunded);
    }

    @Test
    void aDashboardRefundIsRecordedPendingThenSucceededAndCompletesTheRefund() {
        Order o = fulfilled("rw-2");
        k.kit.orders().refund(StripeKit.SCOPE, o.id(), Money.of(500, "eur"), IdempotencyKey.of("r-1"));
        ObjectNode dash = k.server.refundObject("re_dash", pi(o), 2000, "eur", "pending");
        String created = k.server.event("refund.created", dash);
        assertThat(deliver(created)).isEqualTo(WebhookOutcome.ACCEPTED);
        Order pending = reload(o);
        assertThat(pending.refund("re_dash").orElseThrow().status()).isEqualTo(Refund.Status.PENDING);
        assertThat(pending.refund("re_dash").orElseThrow().origin()).isEqualTo(Refund.Origin.GATEWAY);
        assertThat(pending.status()).isEqualTo(OrderStatus.FULFILLED);
        assertThat(deliver(created)).isEqualTo(WebhookOutcome.DUPLICATE);

        dash.put("status", "succeeded");
        assertThat(deliver(k.server.event("refund.updated", dash))).isEqualTo(WebhookOutcome.ACCEPTED);
        Order done = reload(o);
        assertThat(done.status()).isEqualTo(OrderStatus.REFUNDED);
        assertThat(done.refunded()).isEqualTo(Money.of(2500, "eur"));
        // a late "pending" report of the same refund (another event id) changes nothing
        dash.put("status", "pending");
        assertThat(deliver(k.server.event("refund.updated", dash))).isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(reload(o)).isEqualTo(done);
    }

    @Test
    void aFailedRefundIsRecordedFailed() {
        Order o = fulfilled("rw-3");
        ObjectNode re = k.server.refundObject("re_fail", pi(o), 700, "eur", "failed");
        re.put("failure_reason", "expired_or_canceled_card");
        assertThat(deliver(k.server.event("refund.failed", re))).isEqualTo(WebhookOutcome.ACCEPTED);
        Refund failed = reload(o).refund("re_fail").orElseThrow();
        assertThat(failed.status()).isEqualTo(Refund.Status.FAILED);
        assertThat(failed.failureReason()).isEqualTo("expired_or_canceled_card");
        assertThat(reload(o).refundable()).isEqualTo(Money.of(2500, "eur"));
    }

    @Test
    void chargeRefundedRecordsTheRefundsItLists() {
        Order o = fulfilled("rw-4");
        ObjectNode charge = JsonNodeFactory.instance.objectNode();
        charge.put("id", "ch_1");
        charge.put("object", "charge");
        charge.put("amount", 2500);
        charge.put("amount_refunded", 900);
        charge.put("currency", "eur");
        charge.put("payment_intent", pi(o));
        charge.putObject("metadata");
        ObjectNode list = charge.putObject("refunds");
        list.put("object", "list");
        list.put("has_more", false);
        list.put("url", "/v1/charges/ch_1/refunds");
        list.putArray("data")
                .add(k.server.refundObject("re_a", pi(o), 400, "eur", "succeeded"))
                .add(k.server.refundObject("re_b", pi(o), 500, "eur", "succeeded"));
        assertThat(deliver(k.server.event("charge.refunded", charge))).isEqualTo(WebhookOutcome.ACCEPTED);
        Order after = reload(o);
        assertThat(after.refunds()).extracting(Refund::id).containsExactly("re_a", "re_b");
        assertThat(after.refunded()).isEqualTo(Money.of(900, "eur"));
        // without a refunds list (newer API versions) it is acknowledged and changes nothing
        charge.remove("refunds");
        assertThat(deliver(k.server.event("charge.refunded", charge))).isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(reload(o)).isEqualTo(after);
    }

    @Test
    void disputesAreOpenedUpdatedAndClosedOnTheOrder() {
        Order o = fulfilled("rw-5");
        assertThat(deliver(k.server.event("charge.dispute.created", dispute("dp_1", o, 2500, "needs_response"))))
                .isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(reload(o).disputes()).singleElement().satisfies(d -> {
            assertThat(d.status()).isEqualTo("needs_response");
            assertThat(d.amount()).isEqualTo(Money.of(2500, "eur"));
            assertThat(d.reason()).isEqualTo("fraudulent");
        });
        assertThat(deliver(
                        k.server.event("charge.dispute.funds_withdrawn", dispute("dp_1", o, 2500, "needs_response"))))
                .isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(deliver(k.server.event("charge.dispute.updated", dispute("dp_1", o, 2500, "under_review"))))
                .isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(reload(o).disputes().get(0).status()).isEqualTo("under_review");
        assertThat(deliver(k.server.event("charge.dispute.closed", dispute("dp_1", o, 2500, "won"))))
                .isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(deliver(k.server.event("charge.dispute.funds_reinstated", dispute("dp_1", o, 2500, "won"))))
                .isEqualTo(WebhookOutcome.ACCEPTED);
        Order closed = reload(o);
        assertThat(closed.disputes())
                .singleElement()
                .satisfies(d -> assertThat(d.closed()).isTrue());
        // a late update after closing does not reopen it
        assertThat(deliver(k.server.event("charge.dispute.updated", dispute("dp_1", o, 2500, "under_review"))))
                .isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(reload(o)).isEqualTo(closed);
        assertThat(closed.status()).isEqualTo(OrderStatus.FULFILLED);
        assertThat(closed.version()).isEqualTo(o.version() + 3);
    }

    @Test
    void eventsOfPaymentsThatAreNoOrdersAreIgnored() {
        Order o = fulfilled("rw-6");
        ObjectNode d = dispute("dp_x", o, 100, "needs_response");
        d.putNull("payment_intent");
        assertThat(deliver(k.server.event("charge.dispute.created", d))).isEqualTo(WebhookOutcome.IGNORED);
        ObjectNode unknown = dispute("dp_y", o, 100, "needs_response");
        unknown.putObject("metadata").put("orderkit_order_id", "ord_00000000000000000000000000000000");
        assertThat(deliver(k.server.event("charge.dispute.created", unknown))).isEqualTo(WebhookOutcome.IGNORED);
        assertThat(reload(o).disputes()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"oversized", "control", "blank"})
    void malformedOrderIdMetadataIsARejectedPayloadNotAServerError(String kind) {
        Order o = fulfilled("rw-7-" + kind);
        String bad = switch (kind) {
            case "oversized" -> "ord_" + "x".repeat(300);
            case "control" -> "ord_\u0000\u0007";
            default -> "   ";
        };
        // in the object's own metadata: rejected before the inbox is claimed
        ObjectNode re = k.server.refundObject("re_bad", pi(o), 100, "eur", "succeeded");
        re.putObject("metadata").put("orderkit_order_id", bad);
        String payload = k.server.event("refund.created", re);
        assertThat(deliver(payload)).isEqualTo(WebhookOutcome.REJECTED_PAYLOAD);
        assertThat(deliver(payload)).as("never claimed: not a duplicate").isEqualTo(WebhookOutcome.REJECTED_PAYLOAD);
        assertThat(WebhookOutcome.REJECTED_PAYLOAD.httpStatus()).isEqualTo(400);

        // a payment_intent.* event whose PaymentIntent carries it
        k.server.putMetadata(pi(o), "orderkit_order_id", bad);
        String piEvent = k.server.event("payment_intent.succeeded", pi(o));
        assertThat(deliver(piEvent)).isEqualTo(WebhookOutcome.REJECTED_PAYLOAD);

        // found through the PaymentIntent (read from Stripe): rejected too, and remembered
        String viaLookup = k.server.event("charge.dispute.created", dispute("dp_bad", o, 100, "needs_response"));
        assertThat(deliver(viaLookup)).isEqualTo(WebhookOutcome.REJECTED_PAYLOAD);
        assertThat(deliver(viaLookup)).isEqualTo(WebhookOutcome.DUPLICATE);
        assertThat(reload(o).disputes()).isEmpty();
        assertThat(reload(o).refunds()).isEmpty();
        assertThat(handler.counts()).containsEntry(WebhookOutcome.REJECTED_PAYLOAD, 4L);
    }

    @Test
    void aRefundInAnotherCurrencyIsARejectedPayload() {
        Order o = fulfilled("rw-8");
        String payload =
                k.server.event("refund.created", k.server.refundObject("re_usd", pi(o), 100, "usd", "succeeded"));
        assertThat(deliver(payload)).isEqualTo(WebhookOutcome.REJECTED_PAYLOAD);
        assertThat(reload(o).refunds()).isEmpty();
    }
}
