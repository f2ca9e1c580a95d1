package dev.orderkit.examples.shop;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates {@code /v1/**} requests by API key ({@code Authorization: Bearer <key>}), puts the
 * key's store id in the request attribute {@value #STORE} (the orderkit scope of everything the
 * request does) and applies the key's rate limit: a token bucket per store (Bucket4j); an empty
 * bucket is answered {@code 429} with {@code Retry-After} (seconds until a token is back). An absent
 * or unknown key is answered {@code 401}. Webhooks ({@code /v1/webhooks/**}) are not filtered: they
 * are authenticated by their signature. Thread-safe.
 */
public final class ApiKeyFilter extends OncePerRequestFilter {
    /** Request attribute holding the authenticated store id. */
    public static final String STORE = "shop.store";

    private static final String BEARER = "Bearer ";

    private final ApiKeys keys;
    private final ShopProperties properties;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    /**
     * Creates the filter.
     *
     * @param keys the API keys
     * @param properties the rate limits
     */
    public ApiKeyFilter(ApiKeys keys, ShopProperties properties) {
        this.keys = keys;
        this.properties = properties;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return !path.startsWith("/v1/") || path.startsWith("/v1/webhooks/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        Optional<String> store = header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? keys.storeOf(header.substring(BEARER.length()).strip())
                : Optional.empty();
        if (store.isEmpty()) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
            Problems.write(
                    request,
                    response,
                    Problems.of(
                            HttpStatus.UNAUTHORIZED,
                            "unauthorized",
                            "API key missing or unknown",
                            "Send your store's API key as 'Authorization: Bearer <key>'."));
            return;
        }
        ShopProperties.RateLimit limit = properties.rateLimitOf(store.get());
        ConsumptionProbe probe =
                buckets.computeIfAbsent(store.get(), s -> newBucket(limit)).tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            long seconds = Math.max(
                    limit.retryAfterFloor().toSeconds(),
                    (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
            response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
            ProblemDetail p = Problems.of(
                    HttpStatus.TOO_MANY_REQUESTS,
                    "rate-limited",
                    "Too many requests",
                    "This API key may send " + limit.refillPerSecond() + " requests per second (bursts of "
                            + limit.capacity() + "); retry after " + seconds + " s.");
            Problems.write(request, response, p);
            return;
        }
        request.setAttribute(STORE, store.get());
        chain.doFilter(request, response);
    }

    private static Bucket newBucket(ShopProperties.RateLimit limit) {
        return Bucket.builder()
                .addLimit(
                        l -> l.capacity(limit.capacity()).refillGreedy(limit.refillPerSecond(), Duration.ofSeconds(1)))
                .build();
    }
}
