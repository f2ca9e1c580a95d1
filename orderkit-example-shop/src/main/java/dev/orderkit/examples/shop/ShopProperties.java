package dev.orderkit.examples.shop;

import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code shop.*} properties.
 *
 * <pre>
 * shop.stores.acme.api-key=sk_acme_...        # the key of store "acme"; the store id is its orderkit Scope
 * shop.rate-limit.capacity=100                # burst per API key
 * shop.rate-limit.refill-per-second=50        # sustained requests per second per API key
 * shop.stores.acme.rate-limit.capacity=1000   # a store's own limit (its plan)
 * shop.placement=async                        # POST /v1/orders answers 202 and pays in the background (default sync)
 * </pre>
 *
 * <p>The payment workers and the backlog bound of asynchronous placement are the starter's
 * {@code orderkit.async-placement.*} ({@code workers}, {@code max-backlog}, {@code poll-every}, ...).
 *
 * @param stores the stores by id; each store's orders live in the orderkit scope of its id
 * @param rateLimit the per-key rate limit
 * @param placement how {@code POST /v1/orders} places an order
 */
@ConfigurationProperties("shop")
public record ShopProperties(
        Map<String, Store> stores,
        @DefaultValue RateLimit rateLimit,
        @DefaultValue("sync") Placement placement) {

    /** How {@code POST /v1/orders} places an order. */
    public enum Placement {
        /**
         * {@code OrderService.place}: the request waits for the payment and answers with the
         * outcome (201 placed, 202 payment action, 200 any other outcome).
         */
        SYNC,
        /**
         * {@code OrderService.submit}: the request holds the stock and answers {@code 202} with
         * {@code Location: /v1/orders/{id}} at once; the kit's payment workers finish the order. A
         * full backlog answers {@code 503} with {@code Retry-After}; an outcome known at once (out of
         * stock, a repeat after the outcome) answers as {@link #SYNC} does.
         */
        ASYNC
    }

    /** Copies the stores. */
    public ShopProperties {
        stores = Map.copyOf(stores == null ? Map.of() : stores);
    }

    /**
     * One store (a sales channel, a tenant).
     *
     * @param apiKey the store's secret API key, sent as {@code Authorization: Bearer <key>}
     * @param rateLimit this store's own limit (its plan), instead of {@code shop.rate-limit}
     */
    public record Store(String apiKey, @Nullable RateLimit rateLimit) {}

    /**
     * The rate limit of a store: its own, else the default.
     *
     * @param store the store id
     * @return the limit
     */
    public RateLimit rateLimitOf(String store) {
        Store s = stores.get(store);
        RateLimit own = s == null ? null : s.rateLimit();
        return own != null ? own : rateLimit;
    }

    /**
     * A token bucket per API key: {@code capacity} requests at once, refilled at
     * {@code refillPerSecond}.
     *
     * @param capacity the burst
     * @param refillPerSecond tokens added per second
     * @param retryAfterFloor the smallest {@code Retry-After} sent
     */
    public record RateLimit(
            @DefaultValue("100") long capacity,
            @DefaultValue("50") long refillPerSecond,
            @DefaultValue("1s") Duration retryAfterFloor) {}
}
