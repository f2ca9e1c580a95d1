package dev.orderkit.webhooks;

import dev.orderkit.core.OrderKitException;
import dev.orderkit.core.event.EventJson;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.webhooks.internal.Hmac;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Checks the {@value WebhookHeaders#SIGNATURE} header of a webhook request, for receivers:
 *
 * <pre>{@code
 * WebhookVerifier verifier = WebhookVerifier.of(System.getenv("ORDERKIT_WEBHOOK_SECRET"));
 * OrderKitEvent event = verifier.verify(request.header("Orderkit-Signature"), rawBody); // 400 on exception
 * if (alreadyProcessed(event.id())) return 200;   // de-duplicate by the event id
 * }</pre>
 *
 * <p>A request is valid when its header has exactly one {@code t=} timestamp within the tolerance
 * window of the verifier's clock (default 5 minutes either way: older requests are replays) and at
 * least one {@code v1=} signature equal, compared in constant time, to the HMAC-SHA256 of
 * {@code t + "." + body} under one of the verifier's secrets. Several {@code v1} values (the sender
 * signs with every active secret) and several verifier secrets allow rotating a secret without
 * downtime. Unknown schemes ({@code v0=}, ...) are ignored. Immutable and thread-safe.
 */
public final class WebhookVerifier {
    /** The default tolerance: 5 minutes. */
    public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

    private final List<String> secrets;
    private final Duration tolerance;
    private final Clock clock;

    private WebhookVerifier(List<String> secrets, Duration tolerance, Clock clock) {
        this.secrets = List.copyOf(secrets);
        if (this.secrets.isEmpty() || this.secrets.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("at least one non-blank secret is required");
        }
        this.tolerance = Objects.requireNonNull(tolerance, "tolerance");
        if (tolerance.isNegative()) {
            throw new IllegalArgumentException("tolerance must not be negative");
        }
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A verifier accepting signatures under any of the secrets, with the default tolerance.
     *
     * @param secrets one or more secrets (the current and, while rotating, the previous one)
     * @return the verifier
     * @throws IllegalArgumentException if no secret is given or one is blank
     */
    public static WebhookVerifier of(String... secrets) {
        return new WebhookVerifier(List.of(secrets), DEFAULT_TOLERANCE, Clock.systemUTC());
    }

    /**
     * A copy with another tolerance window.
     *
     * @param value how far the request's timestamp may be from now, either way
     * @return the copy
     */
    public WebhookVerifier withTolerance(Duration value) {
        return new WebhookVerifier(secrets, value, clock);
    }

    /**
     * A copy reading the time from another clock.
     *
     * @param value the clock
     * @return the copy
     */
    public WebhookVerifier withClock(Clock value) {
        return new WebhookVerifier(secrets, tolerance, value);
    }

    /**
     * Verifies a request and parses its body.
     *
     * @param signatureHeader the {@value WebhookHeaders#SIGNATURE} header value, or {@code null} if absent
     * @param body the raw request body, exactly as received
     * @return the event in the body
     * @throws WebhookSignatureException if the header is absent or malformed, the timestamp is
     *     outside the tolerance, no signature matches, or the signed body is not an event
     */
    public OrderKitEvent verify(@Nullable String signatureHeader, byte[] body) {
        if (signatureHeader == null || signatureHeader.isBlank()) {
            throw new WebhookSignatureException("missing " + WebhookHeaders.SIGNATURE + " header");
        }
        Long timestamp = null;
        List<String> signatures = new ArrayList<>();
        for (String part : signatureHeader.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new WebhookSignatureException("malformed " + WebhookHeaders.SIGNATURE + " header");
            }
            String key = part.substring(0, eq).trim();
            String value = part.substring(eq + 1).trim();
            if (key.equals("t")) {
                if (timestamp != null) {
                    throw new WebhookSignatureException("more than one timestamp in the signature header");
                }
                try {
                    timestamp = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new WebhookSignatureException("malformed timestamp in the signature header");
                }
            } else if (key.equals("v1")) {
                signatures.add(value);
            }
        }
        if (timestamp == null) {
            throw new WebhookSignatureException("no timestamp in the signature header");
        }
        if (signatures.isEmpty()) {
            throw new WebhookSignatureException("no v1 signature in the signature header");
        }
        long now = clock.instant().getEpochSecond();
        if (Math.abs(now - timestamp) > tolerance.toSeconds()) {
            throw new WebhookSignatureException(
                    "timestamp " + timestamp + " is outside the tolerance of " + tolerance + " (now " + now + ")");
        }
        boolean match = false;
        for (String secret : secrets) {
            byte[] expected = Hmac.sign(secret, timestamp, body).getBytes(StandardCharsets.US_ASCII);
            for (String candidate : signatures) {
                // constant time; keep looping so the time does not tell which one matched
                match |= MessageDigest.isEqual(expected, candidate.getBytes(StandardCharsets.US_ASCII));
            }
        }
        if (!match) {
            throw new WebhookSignatureException("no signature matches the body");
        }
        try {
            return EventJson.fromBytes(body);
        } catch (OrderKitException e) {
            throw new WebhookSignatureException("the signed body is not an orderkit event: " + e.getMessage());
        }
    }
}
