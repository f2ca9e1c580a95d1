package dev.orderkit.spring.boot.internal;

import dev.orderkit.stripe.StripeWebhookHandler;
import dev.orderkit.stripe.WebhookOutcome;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * The Stripe webhook endpoint ({@code orderkit.stripe.webhook-path}): hands the raw body and the
 * {@code Stripe-Signature} header to {@link StripeWebhookHandler} and answers with
 * {@link WebhookOutcome#httpStatus()} (a rejected signature or payload is 400, a concurrent
 * delivery 409); a storage or Stripe failure is 503 so Stripe redelivers. Thread-safe.
 */
@RestController
public final class StripeWebhookController {
    private static final Logger LOG = LoggerFactory.getLogger(StripeWebhookController.class);
    private final StripeWebhookHandler handler;

    /**
     * Creates the endpoint.
     *
     * @param handler the handler
     */
    public StripeWebhookController(StripeWebhookHandler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /**
     * Handles one delivery.
     *
     * @param payload the raw body
     * @param signature the Stripe-Signature header
     * @return the status; the outcome's name as the body
     */
    @PostMapping("${orderkit.stripe.webhook-path:/orderkit/webhooks/stripe}")
    public ResponseEntity<String> receive(
            @RequestBody(required = false) byte @Nullable [] payload,
            @RequestHeader(name = "Stripe-Signature", required = false) @Nullable String signature) {
        try {
            WebhookOutcome outcome = handler.handle(payload, signature);
            return ResponseEntity.status(outcome.httpStatus()).body(outcome.name());
        } catch (RuntimeException e) {
            LOG.warn(
                    "stripe webhook delivery failed, Stripe will redeliver: {}",
                    e.getClass().getSimpleName());
            return ResponseEntity.status(503).body("UNAVAILABLE");
        }
    }
}
