package dev.orderkit.stripe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.Money;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PaymentRateLimitedException;
import dev.orderkit.core.PaymentRejectedException;
import dev.orderkit.core.PaymentUnavailableException;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.payment.AuthorizeRequest;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.stripe.fake.FakeStripeServer;
import dev.orderkit.stripe.fake.FakeStripeServer.Fault;
import dev.orderkit.stripe.fake.FakeStripeServer.Recorded;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The port against a real local HTTP server speaking Stripe's wire format; no retries here. */
class StripePaymentPortTest {
    static final String KEY = "sk_test_51Port" + UUID.randomUUID().toString().replace("-", "");
    FakeStripeServer server;
    StripePaymentPort port;

    @BeforeEach
    void start() {
        server = new FakeStripeServer(KEY);
        port = port(CaptureMode.MANUAL);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    StripePaymentPort port(CaptureMode mode) {
        return StripePaymentPort.builder()
                .apiKey(KEY)
                .apiBase(server.baseUrl())
                .captureMode(mode)
                .connectTimeout(Duration.ofSeconds(2))
                .readTimeout(Duration.ofMillis(800))
                .build();
    }

    static AuthorizeRequest auth(String orderId, String pm) {
        return new AuthorizeRequest(
                orderId + ":authorize", orderId, Money.of(1999, "EUR"), pm, Map.of("customer", "c-1"));
    }

    static String id(PaymentResult r) {
        assertThat(r).isInstanceOf(PaymentResult.Approved.class);
        return ((PaymentResult.Approved) r).paymentId();
    }

    @Test
    void callTimeoutIsConnectPlusReadTimeoutAndSizesTheKitsLease() {
        assertThat(port.callTimeout()).isEqualTo(Duration.ofMillis(2_800));
        StripePaymentPort defaults = StripePaymentPort.builder()
                .apiKey(KEY)
                .apiBase(server.baseUrl())
                .build();
        assertThat(defaults.callTimeout()).isEqualTo(Duration.ofSeconds(40));
        // 4 attempts of 40 s and 3 delays of up to 5 s + 25 % jitter: the default lease is raised to it
        Duration budget = Duration.ofMillis(4 * 40_000 + 3 * 6_250);
        assertThat(OrderKit.builder().paymentPort(defaults).build().config().lease())
                .isEqualTo(budget);
        assertThatThrownBy(() -> OrderKit.builder()
                        .paymentPort(defaults)
                        .lease(Duration.ofSeconds(30))
                        .build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("lease")
                .hasMessageContaining(budget.toString());
        assertThat(OrderKit.builder()
                        .paymentPort(defaults)
                        .retry(RetrySettings.none())
                        .lease(Duration.ofSeconds(40))
                        .build()
                        .config()
                        .lease())
                .as("one attempt, no retries: the call timeout is the budget")
                .isEqualTo(Duration.ofSeconds(40));
    }

    @Test
    void authorizeSendsFormEncodedManualCaptureWithTheCoreKeyAndOrderMetadata() {
        PaymentResult r = port.authorize(auth("o-1", "pm_card_visa"));
        String pi = id(r);
        Recorded req = server.requests().get(0);
        assertThat(req.method()).isEqualTo("POST");
        assertThat(req.path()).isEqualTo("/v1/payment_intents");
        assertThat(req.idempotencyKey()).isEqualTo("o-1:authorize");
        assertThat(req.params())
                .containsEntry("amount", "1999")
                .containsEntry("currency", "eur")
                .containsEntry("capture_method", "manual")
                .containsEntry("confirm", "true")
                .containsEntry("payment_method", "pm_card_visa")
                .containsEntry("metadata[orderkit_order_id]", "o-1")
                .containsEntry("metadata[customer]", "c-1")
                .containsEntry("automatic_payment_methods[allow_redirects]", "never");
        assertThat(server.paymentIntent(pi).get("status").asText()).isEqualTo("requires_capture");
        assertThat(server.paymentIntent(pi).get("amount_received").asLong()).isZero();
    }

    @Test
    void declineIsAResultNotAnException() {
        PaymentResult r = port.authorize(auth("o-2", "pm_decline_insufficient"));
        assertThat(r).isEqualTo(new PaymentResult.Declined("insufficient_funds", "Your card was declined."));
        assertThat(port.metrics().declines()).isEqualTo(1);
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void requiresActionCarriesTheRedirect() {
        PaymentResult r = port.authorize(auth("o-3", "pm_action_3ds"));
        assertThat(r).isInstanceOf(PaymentResult.ActionRequired.class);
        PaymentResult.ActionRequired a = (PaymentResult.ActionRequired) r;
        assertThat(a.action())
                .startsWith("https://hooks.stripe.com/3d_secure_2/")
                .endsWith(a.paymentId());
    }

    @Test
    void partialCaptureThenPartialAndFullRefundsThenOverRefundIsDeclined() {
        String pi = id(port.authorize(auth("o-4", "pm_card_visa")));
        assertThat(port.capture("o-4:capture", pi, Money.of(1500, "eur"))).isEqualTo(new PaymentResult.Approved(pi));
        assertThat(server.paymentIntent(pi).get("amount_received").asLong()).isEqualTo(1500);
        assertThat(server.requests().get(1).params()).containsEntry("amount_to_capture", "1500");
        // a refund answers with its own id (re_...) and carries its idempotency key in its metadata
        PaymentResult first = port.refund("o-4:refund-1", pi, Money.of(500, "eur"));
        PaymentResult second = port.refund("o-4:refund-2", pi, Money.of(1000, "eur"));
        assertThat(server.refundsOf(pi)).hasSize(2);
        assertThat(first)
                .isEqualTo(new PaymentResult.Approved(
                        server.refundsOf(pi).get(0).get("id").asText()));
        assertThat(second)
                .isEqualTo(new PaymentResult.Approved(
                        server.refundsOf(pi).get(1).get("id").asText()));
        assertThat(id(first)).startsWith("re_").isNotEqualTo(id(second));
        assertThat(server.refundsOf(pi)
                        .get(0)
                        .path("metadata")
                        .path("orderkit_idempotency_key")
                        .asText())
                .isEqualTo("o-4:refund-1");
        // a repeat with the key is replayed: the same refund
        assertThat(port.refund("o-4:refund-1", pi, Money.of(500, "eur"))).isEqualTo(first);
        assertThat(server.refundedOf(pi)).isEqualTo(1500);
        PaymentResult over = port.refund("o-4:refund-3", pi, Money.of(1, "eur"));
        assertThat(over).isInstanceOf(PaymentResult.Declined.class);
        assertThat(((PaymentResult.Declined) over).code()).isEqualTo("charge_already_refunded");
        assertThat(server.applied("/v1/refunds")).isEqualTo(2);
    }

    @Test
    void voidCancelsAndIsIdempotentEvenUnderAnotherKey() {
        String pi = id(port.authorize(auth("o-5", "pm_card_visa")));
        assertThat(port.voidAuthorization("o-5:void", pi)).isEqualTo(new PaymentResult.Approved(pi));
        assertThat(server.paymentIntent(pi).get("status").asText()).isEqualTo("canceled");
        // a second void under a different key hits payment_intent_unexpected_state: already voided is success
        assertThat(port.voidAuthorization("o-5:void-again", pi)).isEqualTo(new PaymentResult.Approved(pi));
        assertThat(server.applied("/cancel")).isEqualTo(1);
    }

    @Test
    void voidOfAnAlreadyCanceledPaymentIntentIsApprovedUnderTheSameKeyAndAnother() {
        String pi = id(port.authorize(auth("o-5b", "pm_card_visa")));
        assertThat(port.voidAuthorization("o-5b:void", pi)).isEqualTo(new PaymentResult.Approved(pi));
        // same key: Stripe replays the stored cancel; another key: 400 payment_intent_unexpected_state,
        // resolved by reading the PaymentIntent (canceled → approved)
        assertThat(port.voidAuthorization("o-5b:void", pi)).isEqualTo(new PaymentResult.Approved(pi));
        assertThat(port.voidAuthorization("orderkit-compensate:" + pi + "/void", pi))
                .isEqualTo(new PaymentResult.Approved(pi));
        assertThat(server.applied("/cancel")).isEqualTo(1);
        assertThat(server.paymentIntent(pi).get("status").asText()).isEqualTo("canceled");
    }

    // ------------------------------------------------------------------ voidAuthorizationByKey (SPI default)

    @Test
    void voidByKeyAfterAnApprovalReplaysTheAuthorizeAndCancelsItsPaymentIntent() {
        AuthorizeRequest req = auth("o-vk1", "pm_card_visa");
        String pi = id(port.authorize(req));

        Optional<PaymentResult> voided = port.voidAuthorizationByKey(req, "o-vk1:void");

        assertThat(voided).contains(new PaymentResult.Approved(pi));
        assertThat(server.paymentIntentsOf("o-vk1"))
                .singleElement()
                .satisfies(p -> assertThat(p.get("status").asText()).isEqualTo("canceled"));
        assertThat(server.applied("/v1/payment_intents")).isEqualTo(1); // the replay created nothing
        assertThat(server.requests().get(1).replayed()).isTrue();
        assertThat(server.requests())
                .filteredOn(r -> r.path().endsWith("/cancel"))
                .extracting(Recorded::idempotencyKey)
                .containsOnly("o-vk1:void");
        // core retries it with the same arguments: still one PaymentIntent, still canceled
        assertThat(port.voidAuthorizationByKey(req, "o-vk1:void")).contains(new PaymentResult.Approved(pi));
        assertThat(server.paymentIntentsOf("o-vk1")).hasSize(1);
        assertThat(server.applied("/cancel")).isEqualTo(1);
    }

    @Test
    void voidByKeyOfANeverUsedKeyCreatesThePaymentIntentCanceledSoALateAuthorizeFindsItDead() {
        AuthorizeRequest req = auth("o-vk2", "pm_card_visa");

        // the first authorize never reached Stripe: the replay creates (and confirms) it now, then cancels it
        Optional<PaymentResult> voided = port.voidAuthorizationByKey(req, "o-vk2:void");
        assertThat(voided).isPresent();
        String pi = id(voided.get());
        assertThat(server.paymentIntentsOf("o-vk2"))
                .singleElement()
                .satisfies(p -> assertThat(p.get("status").asText()).isEqualTo("canceled"));

        // the late original call (same key, same parameters) arrives now. Stripe answers with the
        // stored response of the first execution: the PaymentIntent as created (requires_capture),
        // so the port reports Approved(pi) although that PaymentIntent is canceled. Core cannot
        // record it for the ended order and voids it (recordPayment → voidAuthorization with the
        // order's void key): a replayed cancel, approved. No live authorization either way.
        PaymentResult late = port.authorize(req);
        assertThat(late).isEqualTo(new PaymentResult.Approved(pi));
        assertThat(server.requests())
                .last()
                .satisfies(r -> assertThat(r.replayed()).isTrue());
        assertThat(port.currentState(pi))
                .isInstanceOfSatisfying(
                        PaymentResult.Declined.class, d -> assertThat(d.code()).isEqualTo("canceled"));
        assertThat(port.voidAuthorization("o-vk2:void", pi)).isEqualTo(new PaymentResult.Approved(pi));
        assertThat(server.paymentIntentsOf("o-vk2"))
                .singleElement()
                .satisfies(p -> assertThat(p.get("status").asText()).isEqualTo("canceled"));
        assertThat(server.applied("/v1/payment_intents")).isEqualTo(1);
        assertThat(server.applied("/cancel")).isEqualTo(1);
    }

    @Test
    void voidByKeyCancelsAPaymentIntentAwaitingThreeDSecure() {
        AuthorizeRequest req = auth("o-vk3", "pm_action_3ds");
        PaymentResult first = port.authorize(req);
        assertThat(first).isInstanceOf(PaymentResult.ActionRequired.class);
        String pi = ((PaymentResult.ActionRequired) first).paymentId();

        assertThat(port.voidAuthorizationByKey(req, "o-vk3:void")).contains(new PaymentResult.Approved(pi));
        assertThat(server.paymentIntent(pi).get("status").asText()).isEqualTo("canceled");
        // a canceled PaymentIntent is terminal at Stripe: completing 3-D Secure later cannot revive it
        assertThat(port.currentState(pi)).isInstanceOf(PaymentResult.Declined.class);
    }

    @Test
    void voidByKeyOfADeclinedAuthorizeVoidsNothing() {
        AuthorizeRequest req = auth("o-vk4", "pm_decline");
        assertThat(port.authorize(req)).isInstanceOf(PaymentResult.Declined.class);
        assertThat(port.voidAuthorizationByKey(req, "o-vk4:void")).isEmpty();
        assertThat(server.requests()).noneMatch(r -> r.path().endsWith("/cancel"));
        assertThat(server.applied("/v1/payment_intents")).isEqualTo(1);
    }

    @Test
    void voidByKeyInAutomaticModeRefundsTheCharge() {
        StripePaymentPort auto = port(CaptureMode.AUTOMATIC);
        AuthorizeRequest req = auth("o-vk5", "pm_card_visa");
        String pi = id(auto.authorize(req));
        assertThat(auto.voidAuthorizationByKey(req, "o-vk5:void")).contains(new PaymentResult.Approved(pi));
        assertThat(server.refundedOf(pi)).isEqualTo(1999);
        assertThat(server.requests())
                .filteredOn(r -> r.path().equals("/v1/refunds"))
                .extracting(Recorded::idempotencyKey)
                .containsExactly("o-vk5:void/refund");
    }

    @Test
    void captureOfAVoidedPaymentIsDeclinedAndVoidOfACapturedOneToo() {
        String voided = id(port.authorize(auth("o-6", "pm_card_visa")));
        port.voidAuthorization("o-6:void", voided);
        PaymentResult c = port.capture("o-6:capture", voided, Money.of(1999, "eur"));
        assertThat(c).isInstanceOf(PaymentResult.Declined.class);
        assertThat(((PaymentResult.Declined) c).code()).isEqualTo("payment_intent_unexpected_state");

        String captured = id(port.authorize(auth("o-7", "pm_card_visa")));
        port.capture("o-7:capture", captured, Money.of(1999, "eur"));
        PaymentResult v = port.voidAuthorization("o-7:void", captured);
        assertThat(v).isInstanceOf(PaymentResult.Declined.class);
        assertThat(server.refundedOf(captured)).isZero();
    }

    @Test
    void automaticCaptureChargesAtOnceCaptureIsANoOpAndVoidRefunds() {
        StripePaymentPort auto = port(CaptureMode.AUTOMATIC);
        String pi = id(auto.authorize(auth("o-8", "pm_card_visa")));
        assertThat(server.requests().get(0).params()).containsEntry("capture_method", "automatic");
        assertThat(server.paymentIntent(pi).get("status").asText()).isEqualTo("succeeded");
        assertThat(auto.capture("o-8:capture", pi, Money.of(1999, "eur"))).isEqualTo(new PaymentResult.Approved(pi));
        assertThat(server.applied("/capture")).isZero();
        assertThat(auto.voidAuthorization("o-8:void", pi)).isEqualTo(new PaymentResult.Approved(pi));
        assertThat(server.refundedOf(pi)).isEqualTo(1999);
        assertThat(server.requests())
                .filteredOn(r -> r.path().equals("/v1/refunds"))
                .extracting(Recorded::idempotencyKey)
                .containsExactly("o-8:void/refund");
    }

    @Test
    void repeatedKeyIsReplayedByStripeAndCounted() {
        String first = id(port.authorize(auth("o-9", "pm_card_visa")));
        String second = id(port.authorize(auth("o-9", "pm_card_visa")));
        assertThat(second).isEqualTo(first);
        assertThat(server.applied("/v1/payment_intents")).isEqualTo(1);
        assertThat(port.metrics().idempotentReplays()).isEqualTo(1);
        assertThat(port.metrics().requests()).isEqualTo(2);
    }

    /** Metadata with the same entries, inserted in the given key order. */
    static Map<String, String> metadata(String... keysInOrder) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : keysInOrder) {
            m.put(k, "v-" + k);
        }
        return m;
    }

    @Test
    void equalRequestsAreEncodedIdenticallyWhateverTheMetadataInsertionOrder() {
        // "Aa", "BB", "AaAa", "BBBB", "AaBB", "BBAa" share one String.hashCode: in a HashMap (stripe-java
        // keeps metadata in one) and in Map.copyOf they collide, so their iteration order follows
        // insertion order; unsorted copies would encode equal requests differently
        String[] keys = {"Aa", "BB", "AaAa", "BBBB", "AaBB", "BBAa", "customer", "channel", "z", "a"};
        List<String> forward = List.of(keys);
        List<String> backward = new ArrayList<>(forward);
        Collections.reverse(backward);
        AuthorizeRequest first = new AuthorizeRequest(
                "o-det:authorize",
                "o-det",
                Money.of(4200, "EUR"),
                "pm_card_visa",
                metadata(forward.toArray(String[]::new)));
        AuthorizeRequest second = new AuthorizeRequest(
                "o-det:authorize",
                "o-det",
                Money.of(4200, "eur"),
                "pm_card_visa",
                metadata(backward.toArray(String[]::new)));
        assertThat(second).isEqualTo(first);

        String pi = id(port.authorize(first));
        // the same port, a second port (another "JVM" of the same deployment), and many rebuilt maps
        assertThat(id(port.authorize(second))).isEqualTo(pi);
        assertThat(id(port(CaptureMode.MANUAL).authorize(second))).isEqualTo(pi);
        for (int i = 0; i < 20; i++) {
            List<String> shuffled = new ArrayList<>(forward);
            Collections.shuffle(shuffled, new Random(i));
            AuthorizeRequest again = new AuthorizeRequest(
                    "o-det:authorize",
                    "o-det",
                    Money.of(4200, "eur"),
                    "pm_card_visa",
                    metadata(shuffled.toArray(String[]::new)));
            assertThat(id(port.authorize(again))).isEqualTo(pi);
        }

        List<Recorded> sent = server.requests();
        assertThat(sent).hasSize(23).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
        assertThat(sent).extracting(Recorded::body).containsOnly(sent.get(0).body());
        assertThat(sent.subList(1, sent.size())).allMatch(Recorded::replayed);
        assertThat(server.applied("/v1/payment_intents")).isEqualTo(1);
        // metadata goes out in one canonical (sorted) order, with the order id added
        String body = sent.get(0).body();
        List<String> metadataKeys = Arrays.stream(body.split("&"))
                .map(p -> URLDecoder.decode(p.substring(0, p.indexOf('=')), StandardCharsets.UTF_8))
                .filter(k -> k.startsWith("metadata["))
                .toList();
        assertThat(metadataKeys).hasSize(keys.length + 1).contains("metadata[orderkit_order_id]");
        assertThat(sent.get(0).params())
                .containsEntry("metadata[AaBB]", "v-AaBB")
                .containsEntry("metadata[orderkit_order_id]", "o-det");
    }

    @Test
    void sameKeyWithOtherParametersIsRejectedClearly() {
        port.authorize(auth("o-10", "pm_card_visa"));
        AuthorizeRequest other =
                new AuthorizeRequest("o-10:authorize", "o-10", Money.of(5000, "eur"), "pm_card_visa", Map.of());
        assertThatThrownBy(() -> port.authorize(other))
                .isInstanceOf(PaymentRejectedException.class)
                .hasMessageContaining("idempotency key")
                .hasMessageContaining("different parameters")
                .hasMessageContaining("o-10:authorize");
        assertThat(port.metrics().rejections()).isEqualTo(1);
    }

    @Test
    void serverErrorIsTransientAndNotRetriedByStripeJava() {
        server.inject(Fault.SERVER_ERROR, 1, "", null);
        assertThatThrownBy(() -> port.authorize(auth("o-11", "pm_card_visa")))
                .isInstanceOf(PaymentUnavailableException.class)
                .hasMessageContaining("500");
        assertThat(server.requests()).hasSize(1); // maxNetworkRetries = 0
        assertThat(server.applied("/v1/payment_intents")).isZero();
    }

    @Test
    void rateLimitIsARateLimitedFailureCarryingRetryAfter() {
        server.retryAfterSeconds(7);
        server.inject(Fault.RATE_LIMIT, 1, "", null);
        assertThatThrownBy(() -> port.authorize(auth("o-12", "pm_card_visa")))
                .isInstanceOfSatisfying(PaymentRateLimitedException.class, e -> {
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(7));
                    assertThat(e.isRetryable()).isTrue();
                    assertThat(e).hasMessageContaining("rate limited").hasMessageContaining("429");
                });
        assertThat(port.metrics().transientFailures()).isEqualTo(1);
        assertThat(server.applied("/v1/payment_intents")).isZero();
    }

    @Test
    void droppedConnectionAndSlowResponseAreTransientWithUnknownOutcome() {
        // The JDK's HttpURLConnection silently resends a POST once when the server closes the
        // connection without answering (sun.net.http.retryPost): drop that resend too.
        server.inject(Fault.DROP_AFTER_APPLY, 2, "", null);
        assertThatThrownBy(() -> port.authorize(auth("o-13", "pm_card_visa")))
                .isInstanceOf(PaymentUnavailableException.class)
                .hasMessageContaining("outcome unknown");
        // the hidden resend carried the same Idempotency-Key, so it was a replay, not a second charge
        assertThat(server.requests()).extracting(Recorded::idempotencyKey).containsOnly("o-13:authorize");
        assertThat(server.requests())
                .filteredOn(Recorded::replayed)
                .hasSize(server.requests().size() - 1);
        server.inject(Fault.SLOW_AFTER_APPLY, 1, "", Duration.ofMillis(1500));
        assertThatThrownBy(() -> port.authorize(auth("o-14", "pm_card_visa")))
                .isInstanceOf(PaymentUnavailableException.class)
                .hasMessageContaining("outcome unknown");
        server.inject(Fault.TRUNCATED_AFTER_APPLY, 1, "", null);
        assertThatThrownBy(() -> port.authorize(auth("o-14b", "pm_card_visa")))
                .isInstanceOf(PaymentUnavailableException.class);
        // all were applied by "Stripe": the retry must (and will) reuse the key
        assertThat(server.applied("/v1/payment_intents")).isEqualTo(3);
        assertThat(port.metrics().transientFailures()).isEqualTo(3);
    }

    @Test
    void invalidRequestsAreRejected() {
        assertThatThrownBy(() -> port.capture("x:capture", "pi_missing", Money.of(100, "eur")))
                .isInstanceOf(PaymentRejectedException.class)
                .hasMessageContaining("resource_missing");
        AuthorizeRequest tiny =
                new AuthorizeRequest("o-15:authorize", "o-15", Money.of(1, "eur"), "pm_card_visa", Map.of());
        assertThatThrownBy(() -> port.authorize(tiny))
                .isInstanceOf(PaymentRejectedException.class)
                .hasMessageContaining("amount_too_small");
    }

    @Test
    void currentStateReadsThePaymentIntent() {
        String pi = ((PaymentResult.ActionRequired) port.authorize(auth("o-16", "pm_action"))).paymentId();
        server.customerActed(pi, "requires_capture");
        assertThat(port.currentState(pi)).isEqualTo(new PaymentResult.Approved(pi));
        assertThat(server.requests().get(1).method()).isEqualTo("GET");
        assertThat(server.requests().get(1).idempotencyKey()).isNull();
    }

    @Test
    void apiKeyNeverAppearsInToStringOrExceptionsEvenWhenTheServerEchoesIt() {
        String wrong = "sk_test_WRONG" + UUID.randomUUID().toString().replace("-", "");
        StripePaymentPort bad = StripePaymentPort.builder()
                .apiKey(wrong)
                .apiBase(server.baseUrl())
                .build();
        assertThat(bad.toString()).doesNotContain(wrong).contains("REDACTED");
        assertThat(port.toString()).doesNotContain(KEY);
        assertThat(StripePaymentPort.builder().apiKey(KEY).toString()).doesNotContain(KEY);
        Throwable t = Assertions.catchThrowable(() -> bad.authorize(auth("o-17", "pm_card_visa")));
        assertThat(t).isInstanceOf(PaymentRejectedException.class).hasMessageContaining("authentication");
        for (Throwable c = t; c != null; c = c.getCause()) {
            assertThat(String.valueOf(c.getMessage())).doesNotContain(wrong);
            assertThat(c.toString()).doesNotContain(wrong);
        }
        // the server did echo it (so the assertion above is meaningful)
        assertThat(server.requests()).last().extracting(Recorded::status).isEqualTo(401);
    }

    @Test
    void builderValidates() {
        assertThatThrownBy(() -> StripePaymentPort.builder().build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> StripePaymentPort.builder().apiKey(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StripePaymentPort.builder().apiBase("ftp://x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StripePaymentPort.builder().readTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(List.of(CaptureMode.values())).hasSize(2);
    }
}
