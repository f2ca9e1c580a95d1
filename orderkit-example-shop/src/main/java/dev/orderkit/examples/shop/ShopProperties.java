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
 * shop.async.workers=4                        # payment workers (async only)
 * shop.async.max-backlog=10000                # accepted-but-unpaid orders beyond which POST answers 503
 * shop.async.poll-every=200ms                 # how often the workers look for accepted orders
 * </pre>
 *
 * @param stores the stores by id; each store's orders live in the orderkit scope of its id
 * @param rateLimit the per-key rate limit
 * @param placement how {@code POST /v1/orders} places an order
 * @param async the payment workers and backlog bound of {@link Placement#ASYNC}
 */
@ConfigurationProperties("shop")
public record ShopProperties(
        Map<String, Store> stores,
        @DefaultValue RateLimit rateLimit,
        @DefaultValue("sync") Placement placement,
        @DefaultValue Async async) {

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

    /**
     * Asynchronous placement settings (see {@code dev.orderkit.core.AsyncPlacement}).
     *
     * @param workers payment workers per instance, 1..256
     * @param maxBacklog accepted-but-unpaid orders (all instances) beyond which a new order is
     *     answered 503
     * @param pollEvery how often the workers look for orders accepted by any instance
     */
    public record Async(
            @DefaultValue("4") int workers,
            @DefaultValue("10000") int maxBacklog,
            @DefaultValue("200ms") Duration pollEvery) {}

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
