package dev.orderkit.stripe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PaymentUnavailableException;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.memory.InMemoryInboxStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.stripe.fake.FakeStripeServer.Fault;
import dev.orderkit.stripe.internal.SignatureVerifier;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Webhooks: signatures, rotation, expiry, duplicates, reordering, driving real orders. */
class StripeWebhookHandlerTest {
    static final String SECRET = "whsec_current_0123456789abcdef";
    static final String OLD_SECRET = "whsec_previous_fedcba9876543210";
    StripeKit k;
    StripeWebhookHandler handler;

    @BeforeEach
    void start() {
        k = new StripeKit(CaptureMode.MANUAL);
        handler = StripeWebhookHandler.builder(k.kit.orders())
                .signingSecret(SECRET)
                .signingSecret(OLD_SECRET)
                .paymentPort(k.port)
                .build();
    }

    @AfterEach
    void stop() {
        k.close();
    }

    static String sign(String secret, String payload) {
        return SignatureVerifier.sign(secret, Instant.now().getEpochSecond(), payload.getBytes(StandardCharsets.UTF_8));
    }

    Order awaitingAction(String key) {
        PlaceOrderResult r = k.place(key, "pm_action_3ds", 2);
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.PAYMENT_ACTION_REQUIRED);
        assertThat(r.order().paymentId()).startsWith("pi_");
        return r.order();
    }

    Order reload(Order o) {
        return k.kit.orders().get(StripeKit.SCOPE, o.id()).orElseThrow();
    }

    @Test
    void signedSuccessConfirmsTheOrderAndARedeliveryIsADuplicate() {
        Order o = awaitingAction("wh-1");
        k.server.customerActed(o.paymentId(), "requires_capture");
        String payload = k.server.event("payment_intent.amount_capturable_updated", o.paymentId());
        assertThat(handler.handle(payload, sign(SECRET, payload))).isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(reload(o).status()).isEqualTo(OrderStatus.CONFIRMED);
        long requestsBefore = k.server.requests().size();
        // Stripe redelivers the same event: acknowledged, nothing done (no Stripe read either)
        assertThat(handler.handle(payload, sign(SECRET, payload))).isEqualTo(WebhookOutcome.DUPLICATE);
        assertThat(k.server.requests()).hasSize((int) requestsBefore);
        assertThat(handler.counts())
                .containsEntry(WebhookOutcome.ACCEPTED, 1L)
                .containsEntry(WebhookOutcome.DUPLICATE, 1L);
    }

    @Test
    void failureDeclinesTheOrderAndReleasesStock() {
        Order o = awaitingAction("wh-2");
        assertThat(k.available()).isEqualTo(8);
        k.server.customerActed(o.paymentId(), "requires_payment_method");
        String payload = k.server.event("payment_intent.payment_failed", o.paymentId());
        assertThat(handler.handle(payload, sign(SECRET, payload))).isEqualTo(WebhookOutcome.ACCEPTED);
        Order after = reload(o);
        assertThat(after.status()).isEqualTo(OrderStatus.PAYMENT_DECLINED);
        assertThat(after.failureReason()).contains("generic_decline");
        assertThat(k.available()).isEqualTo(10);
    }

    @Test
    void badSignaturesAreRejectedAndChangeNothing() {
        Order o = awaitingAction("wh-3");
        k.server.customerActed(o.paymentId(), "requires_capture");
        String payload = k.server.event("payment_intent.succeeded", o.paymentId());
        long now = Instant.now().getEpochSecond();
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        List<String> bad = new ArrayList<>();
        bad.add(null);
        bad.add("");
        bad.add("garbage");
        bad.add(SignatureVerifier.sign("whsec_wrong", now, bytes));
        bad.add(SignatureVerifier.sign(SECRET, now, "{\"tampered\":true}".getBytes(StandardCharsets.UTF_8)));
        bad.add(SignatureVerifier.sign(SECRET, now - 301, bytes)); // expired (tolerance 5 min)
        bad.add(SignatureVerifier.sign(SECRET, now + 3600, bytes)); // from the future
        bad.add("t=" + now + ",v0=" + SignatureVerifier.sign(SECRET, now, bytes).split("v1=")[1]); // wrong scheme
        bad.add(SignatureVerifier.sign(SECRET, now, bytes)
                .replace("v1=", "v1=00")
                .substring(0, 80));
        for (String header : bad) {
            assertThat(handler.handle(payload, header))
                    .as(String.valueOf(header))
                    .isEqualTo(WebhookOutcome.REJECTED_SIGNATURE);
        }
        // a tampered body with the original valid header
        String validHeader = sign(SECRET, payload);
        assertThat(handler.handle(payload.replace("succeeded", "xucceeded"), validHeader))
                .isEqualTo(WebhookOutcome.REJECTED_SIGNATURE);
        assertThat(reload(o).status()).isEqualTo(OrderStatus.AWAITING_PAYMENT_ACTION);
        assertThat(WebhookOutcome.REJECTED_SIGNATURE.httpStatus()).isEqualTo(400);
        // and the genuine delivery still works afterwards
        assertThat(handler.handle(payload, validHeader)).isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(reload(o).status()).isEqualTo(OrderStatus.CONFIRMED);
    }

    @Test
    void toleranceIsConfigurableAndUsesTheClock() {
        Order o = awaitingAction("wh-4");
        k.server.customerActed(o.paymentId(), "requires_capture");
        String payload = k.server.event("payment_intent.succeeded", o.paymentId());
        long signedAt = Instant.now().getEpochSecond() - 3000;
        String header = SignatureVerifier.sign(SECRET, signedAt, payload.getBytes(StandardCharsets.UTF_8));
        assertThat(handler.handle(payload, header)).isEqualTo(WebhookOutcome.REJECTED_SIGNATURE);
        StripeWebhookHandler lenient = StripeWebhookHandler.builder(k.kit.orders())
                .signingSecret(SECRET)
                .tolerance(Duration.ofHours(1))
                .paymentPort(k.port)
                .build();
        assertThat(lenient.handle(payload, header)).isEqualTo(WebhookOutcome.ACCEPTED);
        StripeWebhookHandler fixedClock = StripeWebhookHandler.builder(k.kit.orders())
                .signingSecret(SECRET)
                .clock(Clock.fixed(Instant.ofEpochSecond(signedAt + 10), ZoneOffset.UTC))
                .paymentPort(k.port)
                .build();
        assertThat(fixedClock.handle(payload, header)).isEqualTo(WebhookOutcome.ACCEPTED); // new inbox: not a dup
    }

    @Test
    void secretRotationAcceptsOldAndNewAndHeadersWithSeveralSignatures() {
        Order o = awaitingAction("wh-5");
        k.server.customerActed(o.paymentId(), "requires_capture");
        String p1 = k.server.event("payment_intent.succeeded", o.paymentId());
        assertThat(handler.handle(p1, sign(OLD_SECRET, p1))).isEqualTo(WebhookOutcome.ACCEPTED);
        String p2 = k.server.event("payment_intent.succeeded", o.paymentId());
        // during rotation Stripe sends one v1 per active secret
        long now = Instant.now().getEpochSecond();
        byte[] b2 = p2.getBytes(StandardCharsets.UTF_8);
        String both = SignatureVerifier.sign("whsec_unknown", now, b2) + ",v1="
                + SignatureVerifier.sign(SECRET, now, b2).split("v1=")[1];
        assertThat(handler.handle(p2, both)).isEqualTo(WebhookOutcome.ACCEPTED);
        StripeWebhookHandler newOnly = StripeWebhookHandler.builder(k.kit.orders())
                .signingSecret(SECRET)
                .build();
        String p3 = k.server.event("payment_intent.succeeded", o.paymentId());
        assertThat(newOnly.handle(p3, sign(OLD_SECRET, p3))).isEqualTo(WebhookOutcome.REJECTED_SIGNATURE);
    }

    @Test
    void outOfOrderFailureAfterSuccessCannotRegressTheOrder() {
        // The customer failed 3-DS once, retried and succeeded; Stripe delivers succeeded first,
        // then the older payment_failed (snapshot says requires_payment_method).
        Order o = awaitingAction("wh-6");
        k.server.customerActed(o.paymentId(), "requires_payment_method");
        String failed = k.server.event("payment_intent.payment_failed", o.paymentId());
        k.server.customerActed(o.paymentId(), "requires_capture");
        String succeeded = k.server.event("payment_intent.amount_capturable_updated", o.paymentId());
        assertThat(handler.handle(succeeded, sign(SECRET, succeeded))).isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(handler.handle(failed, sign(SECRET, failed))).isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(reload(o).status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(k.available()).isEqualTo(8);
    }

    @Test
    void staleFailureDeliveredFirstIsResolvedAgainstTheCurrentState() {
        // payment_failed arrives before succeeded, but by then the PaymentIntent has succeeded:
        // re-reading it means the order is confirmed, not declined (no release, no refund needed).
        Order o = awaitingAction("wh-7");
        k.server.customerActed(o.paymentId(), "requires_payment_method");
        String failed = k.server.event("payment_intent.payment_failed", o.paymentId());
        k.server.customerActed(o.paymentId(), "requires_capture");
        String succeeded = k.server.event("payment_intent.amount_capturable_updated", o.paymentId());
        assertThat(handler.handle(failed, sign(SECRET, failed))).isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(reload(o).status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(handler.handle(succeeded, sign(SECRET, succeeded))).isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(reload(o).status()).isEqualTo(OrderStatus.CONFIRMED);
    }

    @Test
    void snapshotModeWithoutPortStillCannotRegressAConfirmedOrder() {
        StripeWebhookHandler snapshot = StripeWebhookHandler.builder(k.kit.orders())
                .signingSecret(SECRET)
                .build();
        Order o = awaitingAction("wh-8");
        k.server.customerActed(o.paymentId(), "requires_payment_method");
        String failed = k.server.event("payment_intent.payment_failed", o.paymentId());
        k.server.customerActed(o.paymentId(), "requires_capture");
        String succeeded = k.server.event("payment_intent.amount_capturable_updated", o.paymentId());
        int reads = k.server.requests().size();
        assertThat(snapshot.handle(succeeded, sign(SECRET, succeeded))).isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(snapshot.handle(failed, sign(SECRET, failed))).isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(reload(o).status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(k.server.requests()).hasSize(reads); // snapshot mode never calls Stripe
    }

    @Test
    void successAfterTheOrderWasDeclinedIsCompensated() {
        Order o = awaitingAction("wh-9");
        k.server.customerActed(o.paymentId(), "requires_payment_method");
        String failed = k.server.event("payment_intent.payment_failed", o.paymentId());
        assertThat(handler.handle(failed, sign(SECRET, failed))).isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(reload(o).status()).isEqualTo(OrderStatus.PAYMENT_DECLINED);
        // later the customer retries on the still-open PaymentIntent and it succeeds
        k.server.customerActed(o.paymentId(), "requires_capture");
        String late = k.server.event("payment_intent.amount_capturable_updated", o.paymentId());
        assertThat(handler.handle(late, sign(SECRET, late))).isEqualTo(WebhookOutcome.COMPENSATED);
        assertThat(k.server.paymentIntent(o.paymentId()).get("status").asText()).isEqualTo("canceled");
        assertThat(reload(o).status()).isEqualTo(OrderStatus.PAYMENT_DECLINED);
        assertThat(k.available()).isEqualTo(10);
    }

    @Test
    void unknownTypesForeignPaymentIntentsAndMalformedPayloadsAreHandled() {
        String plan = k.server.event(
                "plan.created",
                JsonNodeFactory.instance.objectNode().put("id", "price_1").put("object", "plan"));
        assertThat(handler.handle(plan, sign(SECRET, plan))).isEqualTo(WebhookOutcome.IGNORED);
        // a PaymentIntent not created by orderkit (no orderkit_order_id metadata)
        var foreign = JsonNodeFactory.instance
                .objectNode()
                .put("id", "pi_foreign")
                .put("object", "payment_intent")
                .put("status", "succeeded");
        foreign.putObject("metadata");
        String f = k.server.event("payment_intent.succeeded", foreign);
        assertThat(handler.handle(f, sign(SECRET, f))).isEqualTo(WebhookOutcome.IGNORED);
        // an unknown order id
        var unknown = foreign.deepCopy().put("id", "pi_unknown");
        unknown.putObject("metadata").put("orderkit_order_id", "no-such-order");
        String u = k.server.event("payment_intent.succeeded", unknown);
        StripeWebhookHandler snapshot = StripeWebhookHandler.builder(k.kit.orders())
                .signingSecret(SECRET)
                .build();
        assertThat(snapshot.handle(u, sign(SECRET, u))).isEqualTo(WebhookOutcome.IGNORED);
        String junk = "{not json";
        assertThat(handler.handle(junk, sign(SECRET, junk))).isEqualTo(WebhookOutcome.REJECTED_PAYLOAD);
        assertThat(WebhookOutcome.IGNORED.httpStatus()).isEqualTo(200);
    }

    @Test
    void concurrentDuplicateDeliveriesApplyOnce() throws Exception {
        Order o = awaitingAction("wh-10");
        k.server.customerActed(o.paymentId(), "requires_capture");
        String payload = k.server.event("payment_intent.succeeded", o.paymentId());
        String header = sign(SECRET, payload);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<WebhookOutcome> outcomes = new ArrayList<>();
        try {
            List<Future<WebhookOutcome>> fs = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                fs.add(pool.submit(() -> handler.handle(payload, header)));
            }
            for (Future<WebhookOutcome> f : fs) {
                outcomes.add(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(outcomes).filteredOn(x -> x == WebhookOutcome.ACCEPTED).hasSize(1);
        assertThat(outcomes)
                .allMatch(x -> x == WebhookOutcome.ACCEPTED
                        || x == WebhookOutcome.DUPLICATE
                        || x == WebhookOutcome.IN_PROGRESS);
        assertThat(reload(o).status()).isEqualTo(OrderStatus.CONFIRMED);
        // a GET per processed event only: the duplicates never reached Stripe
        assertThat(k.server.requests())
                .filteredOn(r -> r.method().equals("GET"))
                .hasSize(1);
    }

    @Test
    void failedProcessingReleasesTheClaimSoARedeliveryWorks() {
        Order o = awaitingAction("wh-11");
        k.server.customerActed(o.paymentId(), "requires_capture");
        String payload = k.server.event("payment_intent.succeeded", o.paymentId());
        // Stripe is down while we re-read the PaymentIntent: the handler throws (answer 5xx)
        k.server.inject(Fault.SERVER_ERROR, 1, "/v1/payment_intents/", null);
        assertThatThrownBy(() -> handler.handle(payload, sign(SECRET, payload)))
                .isInstanceOf(PaymentUnavailableException.class);
        assertThat(reload(o).status()).isEqualTo(OrderStatus.AWAITING_PAYMENT_ACTION);
        assertThat(handler.handle(payload, sign(SECRET, payload))).isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(reload(o).status()).isEqualTo(OrderStatus.CONFIRMED);
    }

    @Test
    void secretsNeverAppearInToStringOrResults() {
        assertThat(handler.toString())
                .doesNotContain(SECRET)
                .doesNotContain(OLD_SECRET)
                .contains("redacted");
        assertThat(StripeWebhookHandler.builder(k.kit.orders())
                        .signingSecret(SECRET)
                        .toString())
                .doesNotContain(SECRET);
        assertThat(new SignatureVerifier(List.of(SECRET), Duration.ofMinutes(5)).toString())
                .doesNotContain(SECRET);
        assertThatThrownBy(() -> StripeWebhookHandler.builder(k.kit.orders()).build())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void deduplicatesThroughTheGivenInboxUnderNamespacedIds() {
        InMemoryInboxStore inbox = new InMemoryInboxStore();
        StripeWebhookHandler withInbox = StripeWebhookHandler.builder(k.kit.orders())
                .signingSecret(SECRET)
                .paymentPort(k.port)
                .inbox(inbox)
                .build();
        assertThat(withInbox.toString()).contains("InMemoryInboxStore");
        Order o = awaitingAction("wh-12");
        k.server.customerActed(o.paymentId(), "requires_capture");
        String payload = k.server.event("payment_intent.succeeded", o.paymentId());
        Matcher m = Pattern.compile("\"id\":\"(evt_[^\"]+)\"").matcher(payload);
        assertThat(m.find()).isTrue();
        String eventId = m.group(1);
        Instant now = Instant.now();

        // a bare event id (another transport's namespace) does not shadow the Stripe message
        inbox.complete(eventId, now);
        // another instance holds the claim: this delivery must not act
        assertThat(inbox.claim(StripeWebhookHandler.MESSAGE_ID_PREFIX + eventId, now, Duration.ofMinutes(5)))
                .isEqualTo(InboxStore.Claim.ACQUIRED);
        assertThat(withInbox.handle(payload, sign(SECRET, payload))).isEqualTo(WebhookOutcome.IN_PROGRESS);
        assertThat(WebhookOutcome.IN_PROGRESS.httpStatus()).isGreaterThanOrEqualTo(400); // Stripe redelivers
        assertThat(reload(o).status()).isEqualTo(OrderStatus.AWAITING_PAYMENT_ACTION);
        // that instance gave up: the redelivery processes the event and completes the message
        inbox.release(StripeWebhookHandler.MESSAGE_ID_PREFIX + eventId);
        assertThat(withInbox.handle(payload, sign(SECRET, payload))).isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(reload(o).status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(inbox.claim(StripeWebhookHandler.MESSAGE_ID_PREFIX + eventId, Instant.now(), Duration.ofMinutes(5)))
                .isEqualTo(InboxStore.Claim.DONE);
        assertThat(withInbox.handle(payload, sign(SECRET, payload))).isEqualTo(WebhookOutcome.DUPLICATE);
        assertThat(inbox.size()).isEqualTo(2);
    }
    /** An inbox whose first {@code conflicts} claims lose a race (as the JDBC store's rarely do). */
    static final class ContendedInbox implements InboxStore {
        final InMemoryInboxStore d = new InMemoryInboxStore();
        final AtomicInteger claims = new AtomicInteger();
        final int conflicts;

        ContendedInbox(int conflicts) {
            this.conflicts = conflicts;
        }

        @Override
        public Claim claim(String messageId, Instant now, Duration lease) {
            return claims.incrementAndGet() <= conflicts ? Claim.CONFLICT : d.claim(messageId, now, lease);
        }

        @Override
        public void complete(String messageId, Instant now) {
            d.complete(messageId, now);
        }

        @Override
        public void release(String messageId) {
            d.release(messageId);
        }

        @Override
        public int purgeCompleted(Instant olderThan, int limit) {
            return d.purgeCompleted(olderThan, limit);
        }
    }

    @Test
    void aClaimThatLostARaceIsRetriedUnderTheConflictBudget() {
        RetrySettings three = new RetrySettings(
                3,
                Duration.ofMillis(1),
                Duration.ofMillis(2),
                0,
                Duration.ofMillis(1),
                Duration.ofMillis(1),
                0,
                Duration.ofMillis(1),
                Duration.ofMillis(1),
                5,
                Duration.ofSeconds(1),
                0.1);
        ContendedInbox contended = new ContendedInbox(3);
        StripeWebhookHandler retrying = StripeWebhookHandler.builder(k.kit.orders())
                .signingSecret(SECRET)
                .paymentPort(k.port)
                .inbox(contended)
                .retry(three)
                .build();
        Order o = awaitingAction("wh-13");
        k.server.customerActed(o.paymentId(), "requires_capture");
        String payload = k.server.event("payment_intent.succeeded", o.paymentId());
        assertThat(retrying.handle(payload, sign(SECRET, payload))).isEqualTo(WebhookOutcome.ACCEPTED);
        assertThat(contended.claims).as("3 lost races, then the claim").hasValue(4);
        assertThat(reload(o).status()).isEqualTo(OrderStatus.CONFIRMED);

        ContendedInbox hopeless = new ContendedInbox(Integer.MAX_VALUE);
        StripeWebhookHandler exhausted = StripeWebhookHandler.builder(k.kit.orders())
                .signingSecret(SECRET)
                .inbox(hopeless)
                .retry(three)
                .build();
        assertThatThrownBy(() -> exhausted.handle(payload, sign(SECRET, payload)))
                .isInstanceOf(ConcurrencyConflictException.class)
                .hasMessageContaining("lost a race");
        assertThat(hopeless.claims).as("1 + conflictMaxRetries claims").hasValue(4);
        assertThatThrownBy(() -> StripeWebhookHandler.builder(k.kit.orders()).retry(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("retry");
    }
}
