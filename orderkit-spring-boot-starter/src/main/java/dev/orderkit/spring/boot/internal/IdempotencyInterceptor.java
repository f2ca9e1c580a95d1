package dev.orderkit.spring.boot.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.LeaseLostException;
import dev.orderkit.core.Scope;
import dev.orderkit.core.spi.ClaimRequest;
import dev.orderkit.core.spi.ClaimResult;
import dev.orderkit.core.spi.IdempotencyClaims;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.ScopedKey;
import dev.orderkit.spring.boot.IdempotencyScopeResolver;
import dev.orderkit.spring.boot.Idempotent;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.util.ContentCachingResponseWrapper;
import org.springframework.web.util.WebUtils;

/**
 * The HTTP idempotency layer of {@link Idempotent} handler methods, on orderkit's
 * {@link IdempotencyStore} through core's claim protocol ({@link IdempotencyClaims}): a claim with a
 * fresh claimant id and a lease before the handler runs, then a completion fenced by the lease (the
 * stored response) or, after an exception or a 5xx status, a release so a retry runs. Keys live in
 * the scope {@code http:<resolved scope>}, apart from the kit's own placement keys. Thread-safe.
 */
public final class IdempotencyInterceptor implements HandlerInterceptor {
    /** Response header marking a replayed response. */
    public static final String REPLAYED = "Idempotent-Replayed";

    private static final Logger LOG = LoggerFactory.getLogger(IdempotencyInterceptor.class);
    private static final String HELD = IdempotencyInterceptor.class.getName() + ".held";
    private static final String PROBLEM_JSON = "application/problem+json";
    private static final String PROBLEMS = "https://orderkit.dev/problems/";
    private static final int CONFLICT_ATTEMPTS = 20;

    private final IdempotencyClaims claims;
    private final IdempotencyScopeResolver scopes;
    private final Supplier<Clock> clock;
    private final String header;
    private final Duration lease;
    private final Duration retention;
    private final List<String> replayedHeaders;
    private final ObjectMapper json = new ObjectMapper();

    /** A lease this request holds. */
    private record Held(ScopedKey key, String fingerprint, String claimant, ClaimResult.Acquired lease) {}

    /**
     * A stored response.
     *
     * @param status the status
     * @param headers the replayed headers
     * @param body the body, base64
     */
    public record Stored(int status, Map<String, List<String>> headers, String body) {}

    /**
     * Creates the interceptor.
     *
     * @param store the idempotency store
     * @param scopes the scope resolver
     * @param clock the clock of leases and retention
     * @param header the idempotency header name
     * @param lease lease of a first request
     * @param retention retention of a completed response
     * @param replayedHeaders response headers stored besides Content-Type
     */
    public IdempotencyInterceptor(
            IdempotencyStore store,
            IdempotencyScopeResolver scopes,
            Supplier<Clock> clock,
            String header,
            Duration lease,
            Duration retention,
            List<String> replayedHeaders) {
        this.claims = new IdempotencyClaims(store);
        this.scopes = Objects.requireNonNull(scopes, "scopes");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.header = Objects.requireNonNull(header, "header");
        this.lease = Objects.requireNonNull(lease, "lease");
        this.retention = Objects.requireNonNull(retention, "retention");
        List<String> names = new ArrayList<>();
        names.add("Content-Type");
        names.addAll(replayedHeaders);
        this.replayedHeaders = List.copyOf(names);
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws IOException {
        if (!(handler instanceof HandlerMethod method)
                || !idempotent(method)
                || !IdempotencyFilter.unsafe(request.getMethod())) {
            return true; // safe methods are idempotent already
        }
        String raw = request.getHeader(header);
        if (raw == null || raw.isBlank()) {
            problem(
                    request,
                    response,
                    400,
                    "idempotency-key-missing",
                    "Idempotency-Key missing",
                    "This operation requires the " + header + " request header.",
                    null);
            return false;
        }
        ScopedKey key;
        try {
            key = new ScopedKey(Scope.of("http:" + scopes.resolve(request)), IdempotencyKey.of(unquote(raw.strip())));
        } catch (InvalidRequestException e) {
            problem(request, response, 400, "idempotency-key-invalid", "Idempotency-Key invalid", e.getMessage(), null);
            return false;
        }
        CachedBodyRequest body = WebUtils.getNativeRequest(request, CachedBodyRequest.class);
        if (body == null || WebUtils.getNativeResponse(response, ContentCachingResponseWrapper.class) == null) {
            throw new IllegalStateException("the orderkit IdempotencyFilter is not installed in front of "
                    + request.getRequestURI() + " (it registers as a servlet Filter bean)");
        }
        String fingerprint = fingerprint(request, body.body());
        String claimant = UUID.randomUUID().toString();
        ClaimResult result = claim(
                key,
                new ClaimRequest(fingerprint, claimant, claimant, clock.get().instant(), lease));
        if (result instanceof ClaimResult.Acquired acquired) {
            request.setAttribute(HELD, new Held(key, fingerprint, claimant, acquired));
            return true;
        } else if (result instanceof ClaimResult.InProgress inProgress) {
            long wait = Math.max(
                    1,
                    Duration.between(clock.get().instant(), inProgress.leaseExpiresAt())
                            .toSeconds());
            problem(
                    request,
                    response,
                    409,
                    "idempotency-request-in-progress",
                    "Request in progress",
                    "A request with this Idempotency-Key is still being processed; retry later.",
                    wait);
            return false;
        } else if (result instanceof ClaimResult.Completed completed) {
            replay(response, completed.response());
            return false;
        } else {
            problem(
                    request,
                    response,
                    422,
                    "idempotency-key-reused",
                    "Idempotency-Key reused",
                    "This Idempotency-Key was used with another request (method, path or body).",
                    null);
            return false;
        }
    }

    @Override
    public void afterCompletion(
            HttpServletRequest request, HttpServletResponse response, Object handler, @Nullable Exception ex) {
        Object attribute = request.getAttribute(HELD);
        if (!(attribute instanceof Held held)) {
            return;
        }
        request.removeAttribute(HELD);
        ContentCachingResponseWrapper out = WebUtils.getNativeResponse(response, ContentCachingResponseWrapper.class);
        int status = response.getStatus();
        try {
            if (ex != null || status >= 500 || out == null) {
                retried(() -> {
                    claims.release(held.key(), held.lease().fencingToken());
                    return null;
                });
                return;
            }
            String stored = json.writeValueAsString(new Stored(
                    status, headers(response), Base64.getEncoder().encodeToString(out.getContentAsByteArray())));
            Instant now = clock.get().instant();
            retried(() -> {
                claims.completeLease(
                        held.key(),
                        held.fingerprint(),
                        held.claimant(),
                        held.lease(),
                        stored,
                        null,
                        now,
                        now.plus(retention));
                return null;
            });
        } catch (LeaseLostException e) {
            LOG.warn("idempotency lease on {} was taken over before the response was stored", held.key());
        } catch (JsonProcessingException | RuntimeException e) {
            LOG.warn("could not store the response of idempotency key {}: {}", held.key(), e.toString());
        }
    }

    private static boolean idempotent(HandlerMethod method) {
        return method.hasMethodAnnotation(Idempotent.class)
                || AnnotatedElementUtils.hasAnnotation(method.getBeanType(), Idempotent.class);
    }

    /** The IETF draft sends the key as a structured-field string ({@code "..."}); a bare token is accepted. */
    private static String unquote(String raw) {
        return raw.length() >= 2 && raw.startsWith("\"") && raw.endsWith("\"")
                ? raw.substring(1, raw.length() - 1)
                : raw;
    }

    private static String fingerprint(HttpServletRequest request, byte[] body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            String query = request.getQueryString();
            String target =
                    request.getMethod() + " " + request.getRequestURI() + (query != null ? "?" + query : "") + "\n";
            sha.update(target.getBytes(StandardCharsets.UTF_8));
            sha.update(body);
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private ClaimResult claim(ScopedKey key, ClaimRequest request) {
        return retried(() -> claims.claim(key, request));
    }

    /** Repeats a claim-protocol call that lost a compare-and-set race (same arguments, as core does). */
    private static <T> T retried(Supplier<T> call) {
        ConcurrencyConflictException last = null;
        for (int i = 0; i < CONFLICT_ATTEMPTS; i++) {
            try {
                return call.get();
            } catch (ConcurrencyConflictException e) {
                last = e;
                Thread.onSpinWait();
            }
        }
        throw Objects.requireNonNull(last);
    }

    private Map<String, List<String>> headers(HttpServletResponse response) {
        Map<String, List<String>> kept = new LinkedHashMap<>();
        for (String name : replayedHeaders) {
            List<String> values = new ArrayList<>(response.getHeaders(name));
            if (!values.isEmpty()) {
                kept.put(name, values);
            }
        }
        return kept;
    }

    private void replay(HttpServletResponse response, String stored) throws IOException {
        Stored s = json.readValue(stored, Stored.class);
        response.setStatus(s.status());
        s.headers().forEach((name, values) -> values.forEach(v -> response.addHeader(name, v)));
        response.setHeader(REPLAYED, "true");
        response.getOutputStream().write(Base64.getDecoder().decode(s.body()));
    }

    private void problem(
            HttpServletRequest request,
            HttpServletResponse response,
            int status,
            String type,
            String title,
            @Nullable String detail,
            @Nullable Long retryAfterSeconds)
            throws IOException {
        ProblemDetail p = ProblemDetail.forStatus(HttpStatusCode.valueOf(status));
        p.setType(URI.create(PROBLEMS + type));
        p.setTitle(title);
        p.setDetail(detail);
        p.setInstance(URI.create(request.getRequestURI()));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("type", String.valueOf(p.getType()));
        doc.put("title", Objects.requireNonNull(p.getTitle()));
        doc.put("status", p.getStatus());
        if (p.getDetail() != null) {
            doc.put("detail", p.getDetail());
        }
        doc.put("instance", Objects.requireNonNull(p.getInstance()).toString());
        response.setStatus(status);
        response.setContentType(PROBLEM_JSON);
        if (retryAfterSeconds != null) {
            response.setHeader("Retry-After", Long.toString(retryAfterSeconds));
        }
        response.getOutputStream().write(json.writeValueAsBytes(doc));
    }
}
