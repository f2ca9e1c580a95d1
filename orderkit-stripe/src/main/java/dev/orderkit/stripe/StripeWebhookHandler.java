package dev.orderkit.stripe;

import com.stripe.exception.EventDataObjectDeserializationException;
import com.stripe.model.Charge;
import com.stripe.model.PaymentIntent;
import com.stripe.model.Refund;
import com.stripe.model.StripeObject;
import com.stripe.net.Webhook;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import dev.failsafe.RetryPolicyBuilder;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.Dispute;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.Money;
import dev.orderkit.core.NotFoundException;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderService;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.Refund.Status;
import dev.orderkit.core.RefundUpdate;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.memory.InMemoryInboxStore;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.InboxStore.Claim;
import dev.orderkit.stripe.internal.PaymentIntents;
import dev.orderkit.stripe.internal.SignatureVerifier;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives Stripe webhook deliveries for PaymentIntents and drives orders through
 * {@link OrderService#applyPaymentUpdate}. Framework-neutral: the HTTP layer hands over the raw
 * body and the {@code Stripe-Signature} header and answers with {@link WebhookOutcome#httpStatus()}.
 *
 * <ol>
 *   <li><b>Verify</b> the signature (HMAC-SHA256 over {@code "<t>." + body}, constant-time compare,
 *       any of the configured secrets — several during rotation — and a timestamp tolerance,
 *       default 5 min); failures → {@link WebhookOutcome#REJECTED_SIGNATURE}.</li>
 *   <li><b>De-duplicate</b> by event id through an {@link InboxStore} (message id
 *       {@value #MESSAGE_ID_PREFIX}{@code <event id>}): a redelivery → {@link WebhookOutcome#DUPLICATE},
 *       a delivery racing one still being processed (on this or another instance sharing the inbox)
 *       → {@link WebhookOutcome#IN_PROGRESS}. A claim that lost a race inside the store
 *       ({@link Claim#CONFLICT}) is claimed again under the conflict budget of
 *       {@link Builder#retry(RetrySettings)}. Use a shared, durable inbox (orderkit-jdbc's or
 *       orderkit-redis's {@code inboxStore()}) when several instances receive webhooks.</li>
 *   <li><b>Apply</b> {@code payment_intent.*} events to the order named by the PaymentIntent's
 *       {@value StripePaymentPort#ORDER_ID_METADATA} metadata. When a {@link StripePaymentPort} is
 *       configured (recommended), the handler re-reads the PaymentIntent and applies its
 *       <em>current</em> state instead of the event's snapshot, so out-of-order deliveries (a
 *       {@code payment_failed} arriving after {@code succeeded}) cannot regress an order; and a
 *       payment that succeeds for an order already declined is voided or refunded
 *       ({@link WebhookOutcome#COMPENSATED}). Without a port the event snapshot is applied; the core
 *       ignores updates for orders that are no longer awaiting payment.</li>
 * </ol>
 * <ul>
 *   <li>Refunds: {@code refund.created}, {@code refund.updated}, {@code refund.failed} and
 *       {@code charge.refunded} (the refunds it lists) go to {@link OrderService#applyRefundUpdate}:
 *       a refund orderkit made is matched by its id or the idempotency key in its
 *       {@value StripePaymentPort#IDEMPOTENCY_KEY_METADATA} metadata; one made in the Dashboard is
 *       recorded on the order as a new refund.</li>
 *   <li>Disputes: {@code charge.dispute.created}, {@code .updated}, {@code .closed},
 *       {@code .funds_withdrawn} and {@code .funds_reinstated} go to
 *       {@link OrderService#applyDisputeUpdate} with the dispute's status and amount.</li>
 * </ul>
 * The order of a refund, charge or dispute is the {@value StripePaymentPort#ORDER_ID_METADATA}
 * metadata of the object itself or, with a {@link Builder#paymentPort port}, of its PaymentIntent
 * (read from Stripe). A payload whose {@value StripePaymentPort#ORDER_ID_METADATA} is blank, longer
 * than {@value #MAX_ORDER_ID} characters or contains control characters, or whose content the
 * order refuses ({@link InvalidRequestException}, e.g. another currency), is answered
 * {@link WebhookOutcome#REJECTED_PAYLOAD} (400), never with an exception (5xx): no redelivery could
 * succeed.
 * Other event types, and objects without an orderkit order, are acknowledged and ignored.
 * If applying fails (storage or Stripe unavailable) the claim is released and the exception
 * propagates: answer 5xx so Stripe redelivers.
 *
 * <p>Secrets never appear in {@link #toString()}, logs or exceptions. Thread-safe.
 */
public final class StripeWebhookHandler {
    private static final Logger LOG = LoggerFactory.getLogger(StripeWebhookHandler.class);
    private static final Set<String> PAYMENT_INTENT_EVENTS = Set.of(
            "payment_intent.succeeded",
            "payment_intent.amount_capturable_updated",
            "payment_intent.payment_failed",
            "payment_intent.canceled",
            "payment_intent.requires_action",
            "payment_intent.processing");
    private static final Set<String> REFUND_EVENTS =
            Set.of("refund.created", "refund.updated", "refund.failed", "charge.refunded");
    private static final Set<String> DISPUTE_EVENTS = Set.of(
            "charge.dispute.created",
            "charge.dispute.updated",
            "charge.dispute.closed",
            "charge.dispute.funds_withdrawn",
            "charge.dispute.funds_reinstated");
    private static final Set<String> HANDLED = union(PAYMENT_INTENT_EVENTS, REFUND_EVENTS, DISPUTE_EVENTS);
    /** The longest order id the core accepts ({@code OrderService} checks {@code orderId} against it). */
    static final int MAX_ORDER_ID = 128;

    private static final int MAX_PAYLOAD = 1 << 20;
    /** Namespace of this handler's message ids in the {@link InboxStore}. */
    public static final String MESSAGE_ID_PREFIX = "stripe:";

    private final OrderService orders;
    private final InboxStore inbox;
    private final SignatureVerifier verifier;
    private final @Nullable StripePaymentPort port;
    private final Clock clock;
    private final Duration lease;
    private final Duration tolerance;
    private final FailsafeExecutor<Claim> claims;
    private final int secretCount;
    private final Map<WebhookOutcome, LongAdder> counts = new EnumMap<>(WebhookOutcome.class);

    private StripeWebhookHandler(Builder b, InboxStore inbox) {
        this.orders = b.orders;
        this.inbox = inbox;
        this.verifier = new SignatureVerifier(b.secrets, b.tolerance);
        this.port = b.port;
        this.clock = b.clock;
        this.lease = b.lease;
        this.tolerance = b.tolerance;
        this.claims = Failsafe.with(lostRaceRetry(b.retry));
        this.secretCount = b.secrets.size();
        for (WebhookOutcome o : WebhookOutcome.values()) {
            counts.put(o, new LongAdder());
        }
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        HashSet<String> all = new HashSet<>();
        for (Set<String> set : sets) {
            all.addAll(set);
        }
        return Set.copyOf(all);
    }

    /**
     * Retries a claim answered {@link Claim#CONFLICT} with the conflict budget of {@code s}: the
     * same settings core's conflict policy uses (exceptions are not retried here).
     */
    private static RetryPolicy<Claim> lostRaceRetry(RetrySettings s) {
        RetryPolicyBuilder<Claim> b = RetryPolicy.<Claim>builder().handleResult(Claim.CONFLICT);
        b = s.conflictMaxDelay().compareTo(s.conflictBaseDelay()) > 0
                ? b.withBackoff(s.conflictBaseDelay(), s.conflictMaxDelay())
                : b.withDelay(s.conflictBaseDelay());
        return b.withJitter(s.jitterFactor())
                .withMaxRetries(s.conflictMaxRetries())
                .build();
    }

    /**
     * Starts a builder.
     *
     * @param orders the order service to drive
     * @return a new builder
     */
    public static Builder builder(OrderService orders) {
        return new Builder(orders);
    }

    /**
     * Handles one delivery.
     *
     * @param payload the raw request body, byte for byte as received (do not re-serialize it); may be
     *     {@code null} (answered {@link WebhookOutcome#REJECTED_PAYLOAD})
     * @param signatureHeader the {@code Stripe-Signature} header, may be {@code null}
     * @return what was done; map it with {@link WebhookOutcome#httpStatus()}
     * @throws dev.orderkit.core.BackendUnavailableException if storage failed (answer 5xx)
     * @throws dev.orderkit.core.PaymentUnavailableException if re-reading from Stripe failed (answer 5xx)
     * @throws ConcurrencyConflictException if every inbox claim allowed by the conflict budget lost a
     *     race (answer 5xx; nothing was processed)
     */
    public WebhookOutcome handle(byte @Nullable [] payload, @Nullable String signatureHeader) {
        WebhookOutcome outcome = process(payload, signatureHeader);
        Objects.requireNonNull(counts.get(outcome), "every outcome is counted").increment();
        return outcome;
    }

    /**
     * Handles one delivery whose body is available as a string (encoded as UTF-8 for verification).
     *
     * @param payload the raw body; may be {@code null} (answered {@link WebhookOutcome#REJECTED_PAYLOAD})
     * @param signatureHeader the {@code Stripe-Signature} header, may be {@code null}
     * @return what was done
     */
    public WebhookOutcome handle(@Nullable String payload, @Nullable String signatureHeader) {
        return handle(payload == null ? null : payload.getBytes(StandardCharsets.UTF_8), signatureHeader);
    }

    /**
     * How many deliveries ended with each outcome (exceptions excluded).
     *
     * @return an immutable snapshot
     */
    public Map<WebhookOutcome, Long> counts() {
        Map<WebhookOutcome, Long> out = new EnumMap<>(WebhookOutcome.class);
        counts.forEach((k, v) -> out.put(k, v.sum()));
        return Map.copyOf(out);
    }

    private WebhookOutcome process(byte @Nullable [] payload, @Nullable String signatureHeader) {
        if (payload == null || payload.length > MAX_PAYLOAD) {
            return WebhookOutcome.REJECTED_PAYLOAD;
        }
        SignatureVerifier.Failure failure = verifier.verify(payload, signatureHeader, clock.instant());
        if (failure != null) {
            LOG.warn("rejected a webhook delivery: {}", failure);
            return WebhookOutcome.REJECTED_SIGNATURE;
        }
        Event event = parse(payload);
        if (event == null) {
            return WebhookOutcome.REJECTED_PAYLOAD;
        }
        if (!HANDLED.contains(event.type())) {
            LOG.debug("ignoring event {} of type {}", event.id(), event.type());
            return WebhookOutcome.IGNORED;
        }
        String carried = metadataOrderId(event.object());
        if (carried != null && !validOrderId(carried)) {
            // a signed payload whose order id no order can have: answering 5xx would make Stripe
            // redeliver it for days, and no redelivery can ever succeed
            LOG.warn(
                    "rejected event {} ({}): malformed {} metadata ({} characters)",
                    event.id(),
                    event.type(),
                    StripePaymentPort.ORDER_ID_METADATA,
                    carried.length());
            return WebhookOutcome.REJECTED_PAYLOAD;
        }
        String messageId = MESSAGE_ID_PREFIX + event.id();
        switch (claims.get(() -> inbox.claim(messageId, clock.instant(), lease))) {
            case DONE -> {
                return WebhookOutcome.DUPLICATE;
            }
            case IN_PROGRESS -> {
                return WebhookOutcome.IN_PROGRESS;
            }
            case CONFLICT ->
                throw new ConcurrencyConflictException(
                        "inbox claim of " + messageId + " lost a race on every attempt of the conflict budget");
            case ACQUIRED -> {}
        }
        WebhookOutcome outcome;
        try {
            outcome = apply(event);
        } catch (InvalidRequestException e) {
            // the event's content cannot apply to the order (e.g. another currency): it never will
            LOG.warn("rejected event {} ({}): {}", event.id(), event.type(), e.getMessage());
            outcome = WebhookOutcome.REJECTED_PAYLOAD;
        } catch (RuntimeException e) {
            try {
                inbox.release(messageId);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        inbox.complete(messageId, clock.instant());
        return outcome;
    }

    private WebhookOutcome apply(Event event) {
        StripeObject object = Objects.requireNonNull(event.object(), "a handled event has its object");
        if (object instanceof Refund refund) {
            return applyRefunds(event, refund.getMetadata(), refund.getPaymentIntent(), List.of(refund));
        }
        if (object instanceof Charge charge) {
            List<Refund> listed =
                    charge.getRefunds() == null || charge.getRefunds().getData() == null
                            ? List.of()
                            : charge.getRefunds().getData();
            return applyRefunds(event, charge.getMetadata(), charge.getPaymentIntent(), listed);
        }
        if (object instanceof com.stripe.model.Dispute dispute) {
            return applyDispute(event, dispute);
        }
        PaymentIntent snapshot = (PaymentIntent) object;
        String orderId =
                snapshot.getMetadata() == null ? null : snapshot.getMetadata().get(StripePaymentPort.ORDER_ID_METADATA);
        if (orderId == null || orderId.isBlank() || snapshot.getId() == null) {
            return WebhookOutcome.IGNORED;
        }
        PaymentResult result = port != null ? port.currentState(snapshot.getId()) : PaymentIntents.toResult(snapshot);
        Order order;
        try {
            order = orders.applyPaymentUpdate(orderId, result);
        } catch (NotFoundException e) {
            LOG.info("event {} names unknown order {}; ignored", event.id(), orderId);
            return WebhookOutcome.IGNORED;
        }
        LOG.debug("event {} ({}) applied to order {}: {}", event.id(), event.type(), orderId, order.status());
        if (port != null && result instanceof PaymentResult.Approved && needsCompensation(order, snapshot.getId())) {
            compensate(port, order, snapshot.getId(), event.id());
            return WebhookOutcome.COMPENSATED;
        }
        return WebhookOutcome.ACCEPTED;
    }

    /**
     * The order of a refund, charge or dispute: its own {@value StripePaymentPort#ORDER_ID_METADATA}
     * metadata if it has one, else that of its PaymentIntent, read from Stripe (needs the port).
     * Returns {@code null} when the object is no orderkit order's, {@code ""} when the id found is
     * malformed.
     */
    private @Nullable String orderIdOf(@Nullable Map<String, String> metadata, @Nullable String paymentIntentId) {
        String id = metadata == null ? null : metadata.get(StripePaymentPort.ORDER_ID_METADATA);
        if (id == null && port != null && paymentIntentId != null) {
            id = port.orderIdOf(paymentIntentId);
        }
        if (id == null) {
            return null;
        }
        return validOrderId(id) ? id : "";
    }

    private WebhookOutcome applyRefunds(
            Event event,
            @Nullable Map<String, String> metadata,
            @Nullable String paymentIntentId,
            List<Refund> refunds) {
        String orderId = orderIdOf(metadata, paymentIntentId);
        if (orderId == null) {
            return WebhookOutcome.IGNORED;
        }
        if (orderId.isEmpty()) {
            LOG.warn("rejected event {} ({}): its PaymentIntent's order id is malformed", event.id(), event.type());
            return WebhookOutcome.REJECTED_PAYLOAD;
        }
        if (refunds.isEmpty()) {
            // charge.refunded without the refunds listed (API versions since 2022-11-15): the
            // refund.* events of the same refunds carry them
            LOG.debug("event {} ({}) lists no refunds; acknowledged", event.id(), event.type());
            return WebhookOutcome.ACCEPTED;
        }
        try {
            for (Refund r : refunds) {
                if (r.getId() == null || r.getAmount() == null || r.getCurrency() == null) {
                    LOG.warn(
                            "rejected event {} ({}): a refund without id, amount or currency",
                            event.id(),
                            event.type());
                    return WebhookOutcome.REJECTED_PAYLOAD;
                }
                String key = r.getMetadata() == null
                        ? null
                        : r.getMetadata().get(StripePaymentPort.IDEMPOTENCY_KEY_METADATA);
                Order order = orders.applyRefundUpdate(
                        orderId,
                        new RefundUpdate(
                                r.getId(),
                                key,
                                Money.of(r.getAmount(), r.getCurrency()),
                                refundStatus(r.getStatus()),
                                r.getFailureReason()));
                LOG.debug(
                        "event {} ({}) recorded refund {} on order {}: {}",
                        event.id(),
                        event.type(),
                        r.getId(),
                        orderId,
                        order.status());
            }
        } catch (NotFoundException e) {
            LOG.info("event {} names unknown order {}; ignored", event.id(), orderId);
            return WebhookOutcome.IGNORED;
        }
        return WebhookOutcome.ACCEPTED;
    }

    /** Stripe's refund status as orderkit's: pending and requires_action are pending; failed and canceled failed. */
    static Status refundStatus(@Nullable String status) {
        if ("succeeded".equals(status)) {
            return Status.SUCCEEDED;
        }
        if ("failed".equals(status) || "canceled".equals(status)) {
            return Status.FAILED;
        }
        return Status.PENDING;
    }

    private WebhookOutcome applyDispute(Event event, com.stripe.model.Dispute d) {
        String orderId = orderIdOf(d.getMetadata(), d.getPaymentIntent());
        if (orderId == null) {
            return WebhookOutcome.IGNORED;
        }
        if (orderId.isEmpty()) {
            LOG.warn("rejected event {} ({}): its PaymentIntent's order id is malformed", event.id(), event.type());
            return WebhookOutcome.REJECTED_PAYLOAD;
        }
        if (d.getId() == null || d.getAmount() == null || d.getCurrency() == null || d.getStatus() == null) {
            LOG.warn(
                    "rejected event {} ({}): a dispute without id, amount, currency or status",
                    event.id(),
                    event.type());
            return WebhookOutcome.REJECTED_PAYLOAD;
        }
        try {
            Order order = orders.applyDisputeUpdate(
                    orderId,
                    new Dispute(
                            d.getId(),
                            Money.of(d.getAmount(), d.getCurrency()),
                            d.getStatus(),
                            d.getReason(),
                            clock.instant()));
            LOG.debug("event {} ({}) recorded dispute {} on order {}", event.id(), event.type(), d.getId(), order.id());
        } catch (NotFoundException e) {
            LOG.info("event {} names unknown order {}; ignored", event.id(), orderId);
            return WebhookOutcome.IGNORED;
        }
        return WebhookOutcome.ACCEPTED;
    }

    /** The {@value StripePaymentPort#ORDER_ID_METADATA} metadata the event's object carries, if any. */
    private static @Nullable String metadataOrderId(@Nullable StripeObject object) {
        Map<String, String> metadata = null;
        if (object instanceof PaymentIntent pi) {
            metadata = pi.getMetadata();
        } else if (object instanceof Refund r) {
            metadata = r.getMetadata();
        } else if (object instanceof Charge c) {
            metadata = c.getMetadata();
        } else if (object instanceof com.stripe.model.Dispute d) {
            metadata = d.getMetadata();
        }
        return metadata == null ? null : metadata.get(StripePaymentPort.ORDER_ID_METADATA);
    }

    /**
     * Whether an order id from metadata is one the core can accept: 1..{@value #MAX_ORDER_ID}
     * characters, not blank, no control characters.
     */
    static boolean validOrderId(String id) {
        if (id.isBlank() || id.length() > MAX_ORDER_ID) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean needsCompensation(Order order, String paymentIntentId) {
        OrderStatus s = order.status();
        return s == OrderStatus.PAYMENT_DECLINED
                || s == OrderStatus.REJECTED
                || (s == OrderStatus.CANCELLED && !paymentIntentId.equals(order.paymentId()));
    }

    private static void compensate(StripePaymentPort port, Order order, String paymentIntentId, String eventId) {
        String key = "orderkit-compensate:" + paymentIntentId;
        LOG.warn(
                "payment {} succeeded for order {} in status {} (event {}); voiding/refunding it",
                paymentIntentId,
                order.id(),
                order.status(),
                eventId);
        PaymentResult voided = port.voidAuthorization(key + "/void", paymentIntentId);
        if (voided instanceof PaymentResult.Declined d && PaymentIntents.UNEXPECTED_STATE.equals(d.code())) {
            PaymentResult refunded = port.refund(key + "/refund", paymentIntentId, null);
            if (refunded instanceof PaymentResult.Declined rd) {
                LOG.warn("compensating refund of {} declined: {}", paymentIntentId, rd.code());
            }
        }
    }

    /** The parts of an event the handler needs. */
    private record Event(String id, String type, @Nullable StripeObject object) {}

    private static @Nullable Event parse(byte[] payload) {
        try {
            // the signature is verified already; this only deserializes (our own check is multi-secret)
            com.stripe.model.Event e =
                    Webhook.constructEventWithoutVerification(new String(payload, StandardCharsets.UTF_8));
            if (e == null || e.getId() == null || e.getType() == null || !"event".equals(e.getObject())) {
                return null;
            }
            if (!HANDLED.contains(e.getType())) {
                return new Event(e.getId(), e.getType(), null);
            }
            StripeObject object = e.getDataObjectDeserializer().deserializeUnsafe();
            boolean expected = PAYMENT_INTENT_EVENTS.contains(e.getType())
                    ? object instanceof PaymentIntent
                    : DISPUTE_EVENTS.contains(e.getType())
                            ? object instanceof com.stripe.model.Dispute
                            : object instanceof Refund || object instanceof Charge;
            if (!expected) {
                return null;
            }
            return new Event(e.getId(), e.getType(), object);
        } catch (RuntimeException | EventDataObjectDeserializationException malformed) {
            LOG.warn(
                    "rejected a signed webhook payload that is not a parsable event: {}",
                    malformed.getClass().getSimpleName());
            return null;
        }
    }

    @Override
    public String toString() {
        return "StripeWebhookHandler[secrets=" + secretCount + " (redacted), tolerance=" + tolerance + ", refetch="
                + (port != null) + ", inbox=" + inbox.getClass().getSimpleName() + "]";
    }

    /** Builder of {@link StripeWebhookHandler}. Not thread-safe. Every setter rejects {@code null}. */
    public static final class Builder {
        private final OrderService orders;
        private final List<String> secrets = new ArrayList<>();
        private @Nullable InboxStore inbox;
        private @Nullable StripePaymentPort port;
        private Clock clock = Clock.systemUTC();
        private Duration tolerance = Duration.ofMinutes(5);
        private Duration lease = Duration.ofMinutes(1);
        private RetrySettings retry = RetrySettings.defaults();

        private Builder(OrderService orders) {
            this.orders = Objects.requireNonNull(orders, "orders");
        }

        /**
         * Adds an endpoint signing secret ({@code whsec_...}). Add the new and the old secret while
         * rotating; a delivery signed with any of them is accepted. At least one is required.
         *
         * @param secret the secret
         * @return this builder
         * @throws IllegalArgumentException if blank
         */
        public Builder signingSecret(String secret) {
            Objects.requireNonNull(secret, "secret");
            if (secret.isBlank()) {
                throw new IllegalArgumentException("signing secret must not be blank");
            }
            secrets.add(secret);
            return this;
        }

        /**
         * Where processed event ids are remembered (default: a new {@link InMemoryInboxStore}, which
         * de-duplicates only within this JVM). With several instances behind a load balancer pass a
         * shared store, e.g. {@code jdbcBackend.inboxStore()} or {@code redisBackend.inboxStore()},
         * and purge it periodically ({@link InboxStore#purgeCompleted}) with a bound older than
         * Stripe's redelivery window (3 days).
         *
         * @param value the inbox
         * @return this builder
         */
        public Builder inbox(InboxStore value) {
            this.inbox = Objects.requireNonNull(value, "inbox");
            return this;
        }

        /**
         * The port used to re-read PaymentIntents (ordering-proof processing) and to void or refund
         * payments that succeed for already declined orders. Strongly recommended.
         *
         * @param value the port
         * @return this builder
         */
        public Builder paymentPort(StripePaymentPort value) {
            this.port = Objects.requireNonNull(value, "paymentPort");
            return this;
        }

        /**
         * Maximum age (and future skew) of a signature's timestamp, 1 s .. 1 h (default 5 min).
         *
         * @param value the tolerance
         * @return this builder
         */
        public Builder tolerance(Duration value) {
            Objects.requireNonNull(value, "tolerance");
            if (value.compareTo(Duration.ofSeconds(1)) < 0 || value.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("tolerance must be between 1 s and 1 h");
            }
            this.tolerance = value;
            return this;
        }

        /**
         * How long a claim on an event holds if its processor dies (default 1 min).
         *
         * @param value the lease, 1 s .. 1 h
         * @return this builder
         */
        public Builder lease(Duration value) {
            Objects.requireNonNull(value, "lease");
            if (value.compareTo(Duration.ofSeconds(1)) < 0 || value.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("lease must be between 1 s and 1 h");
            }
            this.lease = value;
            return this;
        }

        /**
         * Retry budget of an inbox claim that lost a race ({@link Claim#CONFLICT}): up to
         * {@link RetrySettings#conflictMaxRetries()} more claims with the conflict backoff and
         * jitter. Default {@link RetrySettings#defaults()}; pass {@code kit.config().retry()} to use
         * the kit's settings. Other failures are not retried: they reach the caller (answer 5xx and
         * Stripe redelivers).
         *
         * @param value the settings
         * @return this builder
         */
        public Builder retry(RetrySettings value) {
            this.retry = Objects.requireNonNull(value, "retry");
            return this;
        }

        /**
         * Clock for timestamp tolerance and the inbox (default: system UTC).
         *
         * @param value the clock
         * @return this builder
         */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * Builds the handler.
         *
         * @return the handler
         * @throws IllegalStateException if no signing secret was added
         */
        public StripeWebhookHandler build() {
            if (secrets.isEmpty()) {
                throw new IllegalStateException("at least one signing secret is required");
            }
            return new StripeWebhookHandler(this, inbox != null ? inbox : new InMemoryInboxStore());
        }

        @Override
        public String toString() {
            return "StripeWebhookHandler.Builder[secrets=" + secrets.size() + " (redacted)]";
        }
    }
}
