package dev.orderkit.stripe;

import com.stripe.StripeClient;
import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.ApiException;
import com.stripe.exception.AuthenticationException;
import com.stripe.exception.CardException;
import com.stripe.exception.IdempotencyException;
import com.stripe.exception.InvalidRequestException;
import com.stripe.exception.RateLimitException;
import com.stripe.exception.StripeException;
import com.stripe.model.PaymentIntent;
import com.stripe.model.Refund;
import com.stripe.net.HttpHeaders;
import com.stripe.net.RequestOptions;
import com.stripe.param.PaymentIntentCancelParams;
import com.stripe.param.PaymentIntentCaptureParams;
import com.stripe.param.PaymentIntentCreateParams;
import com.stripe.param.PaymentIntentRetrieveParams;
import com.stripe.param.RefundCreateParams;
import dev.orderkit.core.Money;
import dev.orderkit.core.PaymentRateLimitedException;
import dev.orderkit.core.PaymentRejectedException;
import dev.orderkit.core.PaymentUnavailableException;
import dev.orderkit.core.payment.AuthorizeRequest;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.stripe.internal.CapturingHttpClient;
import dev.orderkit.stripe.internal.Counters;
import dev.orderkit.stripe.internal.PaymentIntents;
import dev.orderkit.stripe.internal.Redaction;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PaymentPort} on Stripe PaymentIntents, through the official stripe-java SDK.
 *
 * <ul>
 *   <li>{@code authorize} creates and confirms a PaymentIntent ({@code capture_method=manual} in
 *       {@link CaptureMode#MANUAL}, the default; {@code automatic} otherwise) carrying the
 *       request's metadata plus {@value #ORDER_ID_METADATA};</li>
 *   <li>{@code capture} captures it (fully or partially); {@code voidAuthorization} cancels it;
 *       {@code refund} creates a full or partial refund.</li>
 * </ul>
 *
 * <p><b>Idempotency.</b> Every write sends {@code Idempotency-Key} equal to the key orderkit passes
 * in (derived from the order id and the step, e.g. {@code <orderId>:authorize}); never a random one.
 * A secondary write a step needs (the refund behind an automatic-capture void) uses
 * {@code <key>/refund}. orderkit's retries therefore repeat the same key and Stripe answers them
 * with the stored result ({@code Idempotent-Replayed: true}, counted in {@link #metrics()}), so an
 * ambiguous failure (timeout or reset after Stripe acted) can never charge twice.
 *
 * <p><b>Replay-safe parameters.</b> The create parameters of {@code authorize} are a pure function
 * of the {@link AuthorizeRequest} and of this port's {@link CaptureMode} and return URL (metadata in
 * sorted key order), so every call for the same request, in any JVM, sends the same body and Stripe
 * answers a repeated key with the stored result. Keep the capture mode and return URL identical on
 * every instance, and do not change them while authorizations younger than 24 hours may still be
 * retried or recovered: a replay with other parameters is an {@code idempotency_error}
 * ({@link PaymentRejectedException}).
 *
 * <p><b>Voiding by key.</b> This port does not override
 * {@link PaymentPort#voidAuthorizationByKey}: the SPI default replays the order's exact authorize
 * request under its key and voids (cancels; in {@link CaptureMode#AUTOMATIC}, refunds) the
 * PaymentIntent named in the answer. Within Stripe's key window this is exact: Stripe either returns
 * the stored result of the first call, or, if that call never reached it, executes the create now,
 * so that the late call itself is answered with the PaymentIntent already canceled (as the stored
 * creation response, i.e. {@code Approved(pi)}, which core does not record for the ended order and
 * voids again); while the first call is still executing the replay gets 409 and core retries. A
 * lookup through the Search API by metadata {@value #ORDER_ID_METADATA} was rejected as the
 * mechanism: search is eventually consistent (a PaymentIntent created moments ago may be missing),
 * cannot stop a call still in flight from creating one after the search, and is not available in
 * every region. Limits:
 * <ul>
 *   <li>Stripe keeps idempotency keys for at least 24 hours. Recovery ({@code OrderService.recover()})
 *       must therefore run within 24 hours of the authorize call. Beyond that, a replay may run as a
 *       new request: it creates and confirms a second PaymentIntent that is canceled at once (in
 *       automatic mode: charged and refunded at once), and the original is not found. An original
 *       manual-capture authorization then lapses by itself when it expires (Stripe cancels it:
 *       7 days for most online card payments, fewer for some, 2 days in person); an original
 *       automatic-capture charge stays and must be refunded by hand (search the Dashboard for
 *       metadata {@value #ORDER_ID_METADATA}).</li>
 *   <li>Stripe also stores and replays a 5xx answer: if the first call ended in one, every replay
 *       fails transiently until the key is pruned, and the order stays {@code CANCELLING} (its stock
 *       already released) until a later sweep finishes it (with the caveat above).</li>
 * </ul>
 *
 * <p><b>Errors.</b> Card declines → {@link PaymentResult.Declined} (never retried); 429 (too many
 * requests, {@code RateLimitException}) → {@link PaymentRateLimitedException} with its
 * {@code Retry-After} ({@code null} without one): orderkit pauses every payment call of the kit
 * until it has passed ({@code PaymentPacing}) and retries with the same key; 409, 5xx and
 * connection failures or timeouts → {@link PaymentUnavailableException} (orderkit retries with the
 * same key; a 409 or 5xx carries the {@code Retry-After} too if Stripe sent one); idempotency-key misuse,
 * invalid requests and authentication failures → {@link PaymentRejectedException}. As in
 * stripe-java's own retry logic, a {@code Stripe-Should-Retry} response header overrides the
 * status: {@code true} makes any failed answer (e.g. a 400 lock timeout) a
 * {@link PaymentUnavailableException} that core retries with the same key, {@code false} makes it
 * a {@link PaymentRejectedException} that is not retried (e.g. a 5xx that a replay would only
 * repeat); any other value, or none, leaves the status to decide. Connection failures carry no
 * header and are always retried.
 *
 * <p><b>Refunds.</b> {@code refund} answers {@code Approved(<refund id>)} ({@code re_...}) and
 * records its idempotency key in the refund's metadata ({@value #IDEMPOTENCY_KEY_METADATA}), so
 * {@link StripeWebhookHandler} can match {@code refund.*} events to the refund the order records. stripe-java's
 * own network retries are disabled ({@code maxNetworkRetries = 0}): orderkit's Failsafe policies
 * are the only retry layer, so attempts are not multiplied.
 *
 * <p><b>Secrets.</b> The API key never appears in {@link #toString()}, logs or exception messages
 * (messages from Stripe are scrubbed of anything shaped like a key).
 *
 * <p>Thread-safe: one instance per Stripe account, shared by all threads.
 */
public final class StripePaymentPort implements PaymentPort {
    /** PaymentIntent metadata key holding the orderkit order id (read by webhooks). */
    public static final String ORDER_ID_METADATA = "orderkit_order_id";

    /**
     * Refund metadata key holding the idempotency key the refund was created with: the webhook
     * handler matches {@code refund.*} events to the refund orderkit recorded
     * ({@code <order id>:refund:<refund id>}).
     */
    public static final String IDEMPOTENCY_KEY_METADATA = "orderkit_idempotency_key";

    /** The response header with which Stripe says whether a failed request should be retried. */
    static final String SHOULD_RETRY = "Stripe-Should-Retry";

    private static final Logger LOG = LoggerFactory.getLogger(StripePaymentPort.class);
    /** Refund errors that mean "this payment cannot be refunded (further)": a business answer. */
    private static final Set<String> REFUND_REFUSALS =
            Set.of("charge_already_refunded", "amount_too_large", "charge_disputed", PaymentIntents.UNEXPECTED_STATE);

    private final StripeClient client;
    private final CapturingHttpClient http;
    private final Counters counters = new Counters();
    private final String apiKey;
    private final String apiBase;
    private final CaptureMode captureMode;
    private final @Nullable String returnUrl;
    private final Duration connectTimeout;
    private final Duration readTimeout;

    private StripePaymentPort(Builder b, String apiKey) {
        this.apiKey = apiKey;
        this.apiBase = b.apiBase;
        this.captureMode = b.captureMode;
        this.returnUrl = b.returnUrl;
        this.connectTimeout = b.connectTimeout;
        this.readTimeout = b.readTimeout;
        this.http = new CapturingHttpClient();
        this.client = StripeClient.builder()
                .setApiKey(apiKey)
                .setApiBase(b.apiBase)
                .setConnectTimeout(Math.toIntExact(b.connectTimeout.toMillis()))
                .setReadTimeout(Math.toIntExact(b.readTimeout.toMillis()))
                .setMaxNetworkRetries(0)
                .setHttpClient(http)
                .build();
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Counters since this port was built.
     *
     * @return a snapshot
     */
    public StripeMetrics metrics() {
        return counters.snapshot();
    }

    /**
     * The configured capture mode.
     *
     * @return the mode
     */
    public CaptureMode captureMode() {
        return captureMode;
    }

    /**
     * The longest one call can take: the connect timeout plus the read timeout (defaults 10 s + 30 s).
     * Each call of this port is one HTTP request (Stripe's own network retries are off), so an
     * {@code OrderKit} built with this port sizes its lease from it (see {@link PaymentPort#callTimeout()}).
     *
     * @return {@code connectTimeout + readTimeout}
     */
    @Override
    public Duration callTimeout() {
        return connectTimeout.plus(readTimeout);
    }

    @Override
    public PaymentResult authorize(AuthorizeRequest request) {
        Objects.requireNonNull(request, "request");
        PaymentIntentCreateParams params = createParams(request);
        String key = request.idempotencyKey();
        Response<PaymentIntent> r =
                exec("authorize", key, () -> client.v1().paymentIntents().create(params, options(key)));
        if (r.ok()) {
            return count(PaymentIntents.toResult(r.value()));
        }
        if (r.error() instanceof CardException ce) {
            return count(declined(ce));
        }
        throw failure("authorize", key, r);
    }

    /**
     * The create parameters of an authorize request: a pure function of the request and this port's
     * configuration, so every call for the same request (a retry, a recovery replay, another JVM)
     * sends the same body and Stripe replays the stored result instead of answering
     * {@code idempotency_error}. Metadata is copied in sorted key order: the request's map is a
     * {@code Map.copyOf} (iteration order randomized per JVM) and stripe-java keeps metadata in a
     * {@code HashMap}, whose order for colliding keys is their insertion order.
     */
    private PaymentIntentCreateParams createParams(AuthorizeRequest request) {
        Map<String, String> metadata = new TreeMap<>(request.metadata());
        metadata.put(ORDER_ID_METADATA, request.orderId());
        PaymentIntentCreateParams.Builder p = PaymentIntentCreateParams.builder()
                .setAmount(request.amount().minor())
                .setCurrency(request.amount().currency())
                .setPaymentMethod(request.paymentMethod())
                .setConfirm(true)
                .setCaptureMethod(
                        captureMode == CaptureMode.MANUAL
                                ? PaymentIntentCreateParams.CaptureMethod.MANUAL
                                : PaymentIntentCreateParams.CaptureMethod.AUTOMATIC)
                .putAllMetadata(metadata);
        if (returnUrl != null) {
            p.setReturnUrl(returnUrl);
        } else {
            p.setAutomaticPaymentMethods(PaymentIntentCreateParams.AutomaticPaymentMethods.builder()
                    .setEnabled(true)
                    .setAllowRedirects(PaymentIntentCreateParams.AutomaticPaymentMethods.AllowRedirects.NEVER)
                    .build());
        }
        return p.build();
    }

    @Override
    public PaymentResult capture(String idempotencyKey, String paymentId, Money amount) {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(paymentId, "paymentId");
        Objects.requireNonNull(amount, "amount");
        if (captureMode == CaptureMode.AUTOMATIC) {
            PaymentIntent pi = retrieve(paymentId);
            if (!"requires_capture".equals(pi.getStatus())) {
                return count(capturedOrNot(pi));
            }
        }
        PaymentIntentCaptureParams params = PaymentIntentCaptureParams.builder()
                .setAmountToCapture(amount.minor())
                .build();
        Response<PaymentIntent> r = exec(
                "capture",
                idempotencyKey,
                () -> client.v1().paymentIntents().capture(paymentId, params, options(idempotencyKey)));
        if (r.ok()) {
            return count(capturedOrNot(r.value()));
        }
        if (r.error() instanceof CardException ce) {
            return count(declined(ce));
        }
        if (unexpectedState(r.error())) {
            return count(capturedOrNot(retrieve(paymentId)));
        }
        throw failure("capture", idempotencyKey, r);
    }

    @Override
    public PaymentResult voidAuthorization(String idempotencyKey, String paymentId) {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(paymentId, "paymentId");
        Response<PaymentIntent> r = exec(
                "void",
                idempotencyKey,
                () -> client.v1()
                        .paymentIntents()
                        .cancel(paymentId, PaymentIntentCancelParams.builder().build(), options(idempotencyKey)));
        PaymentIntent pi;
        if (r.ok()) {
            pi = r.value();
        } else if (unexpectedState(r.error())) {
            pi = retrieve(paymentId);
        } else {
            throw failure("void", idempotencyKey, r);
        }
        String status = pi.getStatus();
        if ("canceled".equals(status)) {
            return new PaymentResult.Approved(paymentId);
        }
        if ("succeeded".equals(status) && captureMode == CaptureMode.AUTOMATIC) {
            // already charged by automatic capture: voiding means giving the money back; a void
            // answers with the PaymentIntent it voided, not with the refund's id
            PaymentResult refunded = refund(idempotencyKey + "/refund", paymentId, null);
            return refunded instanceof PaymentResult.Approved ? new PaymentResult.Approved(paymentId) : refunded;
        }
        return count(new PaymentResult.Declined(
                PaymentIntents.UNEXPECTED_STATE, "cannot void a PaymentIntent in status " + status));
    }

    @Override
    // amount null (only from voidAuthorization here): refund whatever is left of the payment
    public PaymentResult refund(String idempotencyKey, String paymentId, @Nullable Money amount) {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(paymentId, "paymentId");
        RefundCreateParams.Builder p = RefundCreateParams.builder()
                .setPaymentIntent(paymentId)
                .putMetadata(IDEMPOTENCY_KEY_METADATA, idempotencyKey);
        if (amount != null) {
            p.setAmount(amount.minor());
        }
        RefundCreateParams params = p.build();
        Response<Refund> r =
                exec("refund", idempotencyKey, () -> client.v1().refunds().create(params, options(idempotencyKey)));
        if (r.ok()) {
            String status = r.value().getStatus();
            if ("failed".equals(status) || "canceled".equals(status)) {
                return count(new PaymentResult.Declined(
                        "refund_" + status,
                        r.value().getFailureReason() == null
                                ? "refund " + status
                                : r.value().getFailureReason()));
            }
            // the refund's own id (re_...): the order records it, and refund.* webhooks name it
            String refundId = r.value().getId();
            return new PaymentResult.Approved(refundId != null ? refundId : paymentId);
        }
        if (r.error() instanceof InvalidRequestException
                && !(r.error() instanceof IdempotencyException)
                && r.error().getCode() != null
                && REFUND_REFUSALS.contains(r.error().getCode())) {
            return count(new PaymentResult.Declined(r.error().getCode(), message(r.error())));
        }
        throw failure("refund", idempotencyKey, r);
    }

    /**
     * Reads a PaymentIntent's current state as a payment result (see {@link PaymentIntents#toResult}).
     * Used by {@link StripeWebhookHandler} so that late or reordered events act on the current state.
     *
     * @param paymentId the PaymentIntent id
     * @return approved, declined or action required
     * @throws PaymentUnavailableException on transient failure
     * @throws PaymentRejectedException if Stripe refuses the read (unknown id, bad key)
     */
    public PaymentResult currentState(String paymentId) {
        Objects.requireNonNull(paymentId, "paymentId");
        return PaymentIntents.toResult(retrieve(paymentId));
    }

    /**
     * The orderkit order id in a PaymentIntent's metadata ({@value #ORDER_ID_METADATA}), as read
     * from Stripe now: how the webhook handler finds the order of a refund, charge or dispute event.
     *
     * @param paymentIntentId the PaymentIntent id
     * @return the metadata value as stored (not validated), or {@code null} if there is none
     * @throws PaymentUnavailableException on transient failure
     * @throws PaymentRejectedException if Stripe refuses the read
     */
    @Nullable
    String orderIdOf(String paymentIntentId) {
        PaymentIntent pi = retrieve(paymentIntentId);
        return pi.getMetadata() == null ? null : pi.getMetadata().get(ORDER_ID_METADATA);
    }

    // ------------------------------------------------------------------ internals

    private PaymentIntent retrieve(String paymentId) {
        Response<PaymentIntent> r = exec(
                "retrieve",
                null,
                () -> client.v1()
                        .paymentIntents()
                        .retrieve(
                                paymentId, PaymentIntentRetrieveParams.builder().build(), RequestOptions.getDefault()));
        if (r.ok()) {
            return r.value();
        }
        throw failure("retrieve", null, r);
    }

    private static PaymentResult capturedOrNot(PaymentIntent pi) {
        if ("succeeded".equals(pi.getStatus())) {
            return new PaymentResult.Approved(pi.getId());
        }
        return new PaymentResult.Declined(
                PaymentIntents.UNEXPECTED_STATE, "cannot capture a PaymentIntent in status " + pi.getStatus());
    }

    private PaymentResult count(PaymentResult result) {
        if (result instanceof PaymentResult.Declined) {
            counters.declines.increment();
        }
        return result;
    }

    private static RequestOptions options(String idempotencyKey) {
        return RequestOptions.builder().setIdempotencyKey(idempotencyKey).build();
    }

    private static boolean unexpectedState(StripeException e) {
        return e instanceof InvalidRequestException
                && !(e instanceof IdempotencyException)
                && PaymentIntents.UNEXPECTED_STATE.equals(e.getCode());
    }

    private static PaymentResult.Declined declined(CardException e) {
        if (e.getStripeError() != null) {
            return PaymentIntents.declined(e.getStripeError());
        }
        String code = e.getDeclineCode() != null ? e.getDeclineCode() : e.getCode();
        return new PaymentResult.Declined(code == null ? "card_declined" : code, "declined");
    }

    /** A Stripe call that may throw. */
    @FunctionalInterface
    private interface StripeCall<T> {
        T call() throws StripeException;
    }

    /** The value or the error of one HTTP exchange, with the response headers if any arrived. */
    private record Response<T>(
            @Nullable T value,
            @Nullable StripeException error,
            @Nullable HttpHeaders headers) {
        boolean ok() {
            return error == null;
        }

        /** The value of a call that succeeded ({@link #ok()}). */
        @Override
        public T value() {
            return Objects.requireNonNull(value, "the call failed: no value");
        }

        /** The error of a call that failed (not {@link #ok()}). */
        @Override
        public StripeException error() {
            return Objects.requireNonNull(error, "the call succeeded: no error");
        }
    }

    private <T> Response<T> exec(String op, @Nullable String key, StripeCall<T> call) {
        http.clear();
        counters.requests.increment();
        T value = null;
        StripeException error = null;
        try {
            value = call.call();
        } catch (StripeException e) {
            error = e;
        }
        HttpHeaders headers = http.takeLastHeaders();
        if (headers != null
                && headers.firstValue("Idempotent-Replayed")
                        .map("true"::equalsIgnoreCase)
                        .orElse(false)) {
            counters.replays.increment();
            LOG.info("Stripe replayed the stored response of {} for idempotency key {}", op, key);
        }
        return new Response<>(value, error, headers);
    }

    private RuntimeException failure(String op, @Nullable String key, Response<?> r) {
        StripeException e = r.error();
        Integer status = e.getStatusCode();
        String where = "Stripe " + op + (key == null ? "" : " (idempotency key " + key + ")");
        if (e instanceof ApiConnectionException) {
            counters.transientFailures.increment();
            Throwable io = e.getCause();
            String detail = io == null ? "connection failed" : io.getClass().getSimpleName() + ": " + io.getMessage();
            return new PaymentUnavailableException(
                    scrub(where + " failed, outcome unknown: " + detail) + "; retry with the same key", null, io);
        }
        boolean unparseable = e instanceof ApiException && e.getStripeError() == null;
        boolean byStatus = e instanceof RateLimitException
                || unparseable
                || status == null
                || status == 409
                || status == 429
                || status >= 500;
        // as stripe-java's HttpClient#shouldRetry: the header, when it says true or false, overrides
        // the decision by status (a lock timeout may be retried; a 5xx whose replay would only
        // repeat the stored error may not)
        Boolean header = shouldRetry(r.headers());
        if (header != null && header != byStatus) {
            LOG.info("Stripe {} answered HTTP {} with {}: {}", op, status, SHOULD_RETRY, header);
        }
        if (header != null ? header : byStatus) {
            // unparseable: an answer without a readable Stripe error (e.g. a truncated body); outcome unknown
            counters.transientFailures.increment();
            Duration hint = retryAfter(r.headers());
            if (e instanceof RateLimitException || (status != null && status == 429)) {
                // too many requests: core pauses every payment call of the kit until the hint has
                // passed instead of retrying into the limit
                return new PaymentRateLimitedException(
                        scrub(where + " rate limited: HTTP " + status + " " + describe(e)), hint, null);
            }
            return new PaymentUnavailableException(
                    scrub(where + " unavailable: HTTP " + status + " " + describe(e)), hint, null);
        }
        counters.rejections.increment();
        if (e instanceof IdempotencyException) {
            return new PaymentRejectedException(
                    scrub(where + " rejected: the idempotency key was already used " + "with different parameters ("
                            + describe(e) + ")"),
                    null);
        }
        if (e instanceof AuthenticationException) {
            return new PaymentRejectedException(
                    where + " rejected: authentication failed (HTTP " + status + "); check the configured API key",
                    null);
        }
        return new PaymentRejectedException(scrub(where + " rejected: HTTP " + status + " " + describe(e)), null);
    }

    private static String describe(StripeException e) {
        StringBuilder sb = new StringBuilder();
        if (e.getStripeError() != null && e.getStripeError().getType() != null) {
            sb.append(e.getStripeError().getType()).append(' ');
        }
        if (e.getCode() != null) {
            sb.append('[').append(e.getCode()).append("] ");
        }
        sb.append(message(e));
        if (e.getRequestId() != null) {
            sb.append(" (request ").append(e.getRequestId()).append(')');
        }
        return sb.toString();
    }

    private static String message(StripeException e) {
        String m = e.getStripeError() != null && e.getStripeError().getMessage() != null
                ? e.getStripeError().getMessage()
                : e.getClass().getSimpleName();
        return Redaction.scrub(m);
    }

    private String scrub(String text) {
        return Redaction.scrub(text, List.of(apiKey));
    }

    /**
     * Reads {@code Stripe-Should-Retry} the way stripe-java does: exactly {@code true} or
     * {@code false}; anything else (or no header) leaves the decision to the status.
     */
    static @Nullable Boolean shouldRetry(@Nullable HttpHeaders headers) {
        if (headers == null) {
            return null;
        }
        String v = headers.firstValue(SHOULD_RETRY).orElse(null);
        if ("true".equals(v)) {
            return Boolean.TRUE;
        }
        if ("false".equals(v)) {
            return Boolean.FALSE;
        }
        return null;
    }

    /** Parses {@code Retry-After}: delta-seconds or an HTTP date. */
    static @Nullable Duration retryAfter(@Nullable HttpHeaders headers) {
        if (headers == null) {
            return null;
        }
        String v = headers.firstValue("Retry-After").map(String::trim).orElse(null);
        if (v == null || v.isEmpty()) {
            return null;
        }
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? null : Duration.ofSeconds(Math.min(seconds, 86_400));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                Duration d = Duration.between(Instant.now(), at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException e) {
                return null;
            }
        }
    }

    @Override
    public String toString() {
        return "StripePaymentPort[apiBase=" + apiBase + ", captureMode=" + captureMode + ", connectTimeout="
                + connectTimeout + ", readTimeout=" + readTimeout + ", apiKey=[REDACTED]]";
    }

    /**
     * Builder of {@link StripePaymentPort}. Not thread-safe. Every setter rejects {@code null}.
     */
    public static final class Builder {
        private @Nullable String apiKey;
        private String apiBase = "https://api.stripe.com";
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(30);
        private CaptureMode captureMode = CaptureMode.MANUAL;
        private @Nullable String returnUrl;

        private Builder() {}

        /**
         * The secret or restricted API key (required). Never logged or printed.
         *
         * @param value the key
         * @return this builder
         * @throws IllegalArgumentException if blank or containing whitespace
         */
        public Builder apiKey(String value) {
            Objects.requireNonNull(value, "apiKey");
            if (value.isBlank() || value.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("apiKey must be non-blank without whitespace");
            }
            this.apiKey = value;
            return this;
        }

        /**
         * Base URL of the API (default {@code https://api.stripe.com}); point it at a local server
         * (stripe-mock, a test double) for tests.
         *
         * @param value an absolute http(s) URL without path
         * @return this builder
         * @throws IllegalArgumentException if not an absolute http(s) URL
         */
        public Builder apiBase(String value) {
            Objects.requireNonNull(value, "apiBase");
            String v = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
            URI uri;
            try {
                uri = URI.create(v);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("apiBase is not a URL", e);
            }
            if (uri.getScheme() == null
                    || !(uri.getScheme().equals("https") || uri.getScheme().equals("http"))
                    || uri.getHost() == null
                    || uri.getUserInfo() != null) {
                throw new IllegalArgumentException("apiBase must be an absolute http(s) URL without user info");
            }
            this.apiBase = v;
            return this;
        }

        /**
         * TCP connect timeout (default 10 s), 1 ms .. 5 min.
         *
         * @param value the timeout
         * @return this builder
         */
        public Builder connectTimeout(Duration value) {
            this.connectTimeout = timeout(value, "connectTimeout");
            return this;
        }

        /**
         * Read timeout per request (default 30 s), 1 ms .. 5 min. A timeout is an unknown outcome:
         * orderkit retries with the same idempotency key.
         *
         * @param value the timeout
         * @return this builder
         */
        public Builder readTimeout(Duration value) {
            this.readTimeout = timeout(value, "readTimeout");
            return this;
        }

        /**
         * Manual (authorize now, capture on fulfilment; the default) or automatic capture.
         *
         * @param value the mode
         * @return this builder
         */
        public Builder captureMode(CaptureMode value) {
            this.captureMode = Objects.requireNonNull(value, "captureMode");
            return this;
        }

        /**
         * Return URL for redirect-based payment methods. Without one, PaymentIntents are created
         * with {@code automatic_payment_methods[allow_redirects]=never}.
         *
         * @param value the URL
         * @return this builder
         */
        public Builder returnUrl(String value) {
            this.returnUrl = Objects.requireNonNull(value, "returnUrl");
            return this;
        }

        private static Duration timeout(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.toMillis() < 1 || value.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new IllegalArgumentException(name + " must be between 1 ms and 5 min");
            }
            return value;
        }

        /**
         * Builds the port.
         *
         * @return the port
         * @throws IllegalStateException if no API key was set
         */
        public StripePaymentPort build() {
            String key = apiKey;
            if (key == null) {
                throw new IllegalStateException("apiKey is required");
            }
            return new StripePaymentPort(this, key);
        }

        @Override
        public String toString() {
            return "StripePaymentPort.Builder[apiBase=" + apiBase + ", captureMode=" + captureMode + ", apiKey="
                    + (apiKey == null ? "unset" : "[REDACTED]") + "]";
        }
    }
}
