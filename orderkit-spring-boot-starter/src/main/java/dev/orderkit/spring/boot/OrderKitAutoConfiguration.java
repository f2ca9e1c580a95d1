package dev.orderkit.spring.boot;

import dev.orderkit.core.AsyncPlacement;
import dev.orderkit.core.BackgroundTask;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OutboxRelay;
import dev.orderkit.core.PaymentPacing;
import dev.orderkit.core.memory.InMemoryIdempotencyStore;
import dev.orderkit.core.memory.InMemoryInboxStore;
import dev.orderkit.core.memory.InMemoryOrderStore;
import dev.orderkit.core.memory.InMemoryStockStorage;
import dev.orderkit.core.observability.Instrumentation;
import dev.orderkit.core.payment.PaymentPermits;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.StepTransactions;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.jdbc.JdbcBackend;
import dev.orderkit.jdbc.OutboxPublisher;
import dev.orderkit.redis.RedisBackend;
import dev.orderkit.spring.boot.internal.BackendParts;
import dev.orderkit.spring.boot.internal.KitRecipe;
import dev.orderkit.stripe.StripePaymentPort;
import dev.orderkit.stripe.StripeWebhookHandler;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * Auto-configuration of orderkit: the backend parts the application's beans and properties select,
 * the stores, the {@link OrderKit} bean and the {@link OrderKitBackgroundLifecycle}. Every bean
 * backs off ({@code @ConditionalOnMissingBean}) when the application defines one of its type.
 *
 * <p>Runs after Boot's DataSource auto-configuration (named for Boot 4 and for Boot 3, whose
 * packages differ), so a DataSource from {@code spring.datasource.*} selects the JDBC backend.
 */
@AutoConfiguration(
        afterName = {
            "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
            "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration"
        })
@EnableConfigurationProperties(OrderKitProperties.class)
public class OrderKitAutoConfiguration {

    /** Created by Spring. */
    public OrderKitAutoConfiguration() {}

    /**
     * The JDBC backend on the application's DataSource (dialect detected; tables migrated on start
     * unless {@code orderkit.jdbc.migrate=false}).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(JdbcBackend.class)
    @ConditionalOnSingleCandidate(DataSource.class)
    @ConditionalOnProperty(prefix = "orderkit.jdbc", name = "enabled", havingValue = "true", matchIfMissing = true)
    static class JdbcConfiguration {
        @Bean
        @ConditionalOnMissingBean
        JdbcBackend orderkitJdbcBackend(DataSource dataSource, OrderKitProperties properties) {
            return JdbcBackend.builder()
                    .dataSource(dataSource)
                    .tablePrefix(properties.getJdbc().getTablePrefix())
                    .migrateOnBuild(properties.getJdbc().isMigrate())
                    .build();
        }

        @Bean
        BackendParts orderkitJdbcParts(JdbcBackend jdbc) {
            BiFunction<EventSink, Instrumentation, BackgroundTask> outbox = (sink, instrumentation) ->
                    jdbc.outboxPublisher(sink, OutboxPublisher.Settings.defaults(), instrumentation);
            return new BackendParts(
                    "jdbc",
                    1,
                    jdbc.stockStorage(),
                    jdbc.idempotencyStore(),
                    jdbc.orderStore(),
                    jdbc.inboxStore(),
                    outbox,
                    jdbc.stepTransactions());
        }
    }

    /** Redis for stock, idempotency keys and the webhook inbox (orders stay in JDBC or memory). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({RedisBackend.class, UnifiedJedis.class})
    @ConditionalOnProperty(prefix = "orderkit.redis", name = "enabled", havingValue = "true", matchIfMissing = true)
    @Conditional(OnRedis.class)
    static class RedisConfiguration {
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean(UnifiedJedis.class)
        RedisClient orderkitRedisClient(OrderKitProperties properties) {
            return RedisClient.create(
                    URI.create(Objects.requireNonNull(properties.getRedis().getUri(), "orderkit.redis.uri")));
        }

        @Bean
        @ConditionalOnMissingBean
        RedisBackend orderkitRedisBackend(UnifiedJedis client, OrderKitProperties properties) {
            OrderKitProperties.Redis p = properties.getRedis();
            RedisBackend.Builder b = RedisBackend.builder()
                    .client(client)
                    .keyPrefix(p.getKeyPrefix())
                    .buckets(p.getBuckets());
            Boolean cluster = p.getClusterMode();
            if (cluster != null) {
                b.clusterMode(cluster);
            }
            return b.build();
        }

        @Bean
        BackendParts orderkitRedisParts(RedisBackend redis) {
            // the stock scripts record their events in the Redis outbox streams: published when
            // Redis is the kit's stock storage
            BiFunction<EventSink, Instrumentation, BackgroundTask> outbox = (sink, instrumentation) ->
                    redis.outboxPublisher(sink, OutboxRelay.Settings.defaults(), Clock.systemUTC(), instrumentation);
            return new BackendParts(
                    "redis", 0, redis.stockStorage(), redis.idempotencyStore(), null, redis.inboxStore(), outbox, null);
        }
    }

    /** A UnifiedJedis bean or {@code orderkit.redis.uri}. */
    static final class OnRedis extends AnyNestedCondition {
        OnRedis() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean(UnifiedJedis.class)
        static final class ClientBean {}

        @ConditionalOnProperty(prefix = "orderkit.redis", name = "uri")
        static final class Uri {}
    }

    /** Stripe payments when {@code orderkit.stripe.api-key} is set; the webhook handler with a secret. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(StripePaymentPort.class)
    @ConditionalOnProperty(prefix = "orderkit.stripe", name = "api-key")
    static class StripeConfiguration {
        @Bean
        @ConditionalOnMissingBean
        StripePaymentPort orderkitStripePaymentPort(OrderKitProperties properties) {
            OrderKitProperties.Stripe p = properties.getStripe();
            StripePaymentPort.Builder b = StripePaymentPort.builder()
                    .apiKey(Objects.requireNonNull(p.getApiKey(), "orderkit.stripe.api-key"));
            String base = p.getApiBase();
            if (base != null) {
                b.apiBase(base);
            }
            String returnUrl = p.getReturnUrl();
            if (returnUrl != null) {
                b.returnUrl(returnUrl);
            }
            return b.build();
        }

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnProperty(prefix = "orderkit.stripe", name = "webhook-secret")
        StripeWebhookHandler orderkitStripeWebhookHandler(
                OrderKit kit, InboxStore inbox, StripePaymentPort port, OrderKitProperties properties) {
            StripeWebhookHandler.Builder b =
                    StripeWebhookHandler.builder(kit.orders()).inbox(inbox).paymentPort(port);
            b.signingSecret(Objects.requireNonNull(properties.getStripe().getWebhookSecret(), "webhook-secret"));
            properties.getStripe().getPreviousWebhookSecrets().forEach(b::signingSecret);
            return b.build();
        }
    }

    private static <T> T pick(List<BackendParts> parts, Function<BackendParts, @Nullable T> part, Supplier<T> memory) {
        for (BackendParts p : parts) {
            T value = part.apply(p);
            if (value != null) {
                return value;
            }
        }
        return memory.get();
    }

    private static List<BackendParts> ranked(ObjectProvider<BackendParts> parts) {
        return parts.stream()
                .sorted(Comparator.comparingInt(BackendParts::rank))
                .toList();
    }

    /**
     * Stock storage: Redis, else JDBC, else in memory.
     *
     * @param parts the backend parts
     * @return the storage
     */
    @Bean
    @ConditionalOnMissingBean
    public StockStorage orderkitStockStorage(ObjectProvider<BackendParts> parts) {
        return pick(ranked(parts), BackendParts::stock, InMemoryStockStorage::new);
    }

    /**
     * Idempotency store (also the HTTP idempotency layer's): Redis, else JDBC, else in memory.
     *
     * @param parts the backend parts
     * @return the store
     */
    @Bean
    @ConditionalOnMissingBean
    public IdempotencyStore orderkitIdempotencyStore(ObjectProvider<BackendParts> parts) {
        return pick(ranked(parts), BackendParts::keys, InMemoryIdempotencyStore::new);
    }

    /**
     * Order store: JDBC (events through its transactional outbox), else in memory (events handed to
     * the application's {@link EventSink} bean, if any, after each change).
     *
     * @param parts the backend parts
     * @param sink the application's event sink, if any
     * @return the store
     */
    @Bean
    @ConditionalOnMissingBean
    public OrderStore orderkitOrderStore(ObjectProvider<BackendParts> parts, ObjectProvider<EventSink> sink) {
        return pick(ranked(parts), BackendParts::orders, () -> {
            EventSink s = sink.getIfUnique();
            return new InMemoryOrderStore(s != null ? s : EventSink.discarding());
        });
    }

    /**
     * Message inbox (Stripe webhook de-duplication): Redis, else JDBC, else in memory.
     *
     * @param parts the backend parts
     * @return the inbox
     */
    @Bean
    @ConditionalOnMissingBean
    public InboxStore orderkitInboxStore(ObjectProvider<BackendParts> parts) {
        return pick(ranked(parts), BackendParts::inbox, InMemoryInboxStore::new);
    }

    /**
     * What the kits are built from.
     *
     * @param properties the properties
     * @param stock stock storage
     * @param keys idempotency store
     * @param orders order store
     * @param inbox inbox
     * @param sink the application's event sink, if any
     * @param payments the application's (or Stripe's) payment port, if any
     * @param parts the backend parts
     * @param instrumentation the application's (or {@link OrderKitMetricsAutoConfiguration}'s)
     *     instrumentation, if any: given to every kit and to the outbox publishers (JDBC, Redis)
     * @param permits the application's shared payment limiter, if any ({@code
     *     orderkit.payment-pacing.permits-per-second} is then required)
     * @param customizers the customizers
     * @return the recipe
     * @throws IllegalStateException naming the property if {@code orderkit.payment-pacing.*} or
     *     {@code orderkit.async-placement.*} is invalid, or a {@code PaymentPermits} bean exists
     *     without {@code orderkit.payment-pacing.permits-per-second}
     */
    @Bean
    @ConditionalOnMissingBean
    public KitRecipe orderkitRecipe(
            OrderKitProperties properties,
            StockStorage stock,
            IdempotencyStore keys,
            OrderStore orders,
            InboxStore inbox,
            ObjectProvider<EventSink> sink,
            ObjectProvider<PaymentPort> payments,
            ObjectProvider<BackendParts> parts,
            ObjectProvider<Instrumentation> instrumentation,
            ObjectProvider<PaymentPermits> permits,
            ObjectProvider<OrderKitBuilderCustomizer> customizers) {
        PaymentPacing pacing = pacing(properties.getPaymentPacing(), permits.getIfAvailable());
        AsyncPlacement async = asyncPlacement(properties.getAsyncPlacement());
        List<BackendParts> ranked = ranked(parts);
        EventSink userSink = sink.getIfUnique();
        Instrumentation observer = instrumentation.getIfUnique(Instrumentation::noop);
        StepTransactions steps = null;
        List<BackgroundTask> outboxes = new ArrayList<>();
        for (BackendParts p : ranked) {
            // one database holding stock, keys and orders: each step commits with its order status
            if (p.steps() != null && p.stock() == stock && p.keys() == keys && p.orders() == orders) {
                steps = p.steps();
            }
            BiFunction<EventSink, Instrumentation, BackgroundTask> publisher = p.outbox();
            if (publisher != null && (p.orders() == orders || p.stock() == stock)) {
                // the outbox of every backend the kit records events in (JDBC's for its orders and
                // stock, Redis's for its stock). Without an EventSink bean the events are still
                // published (to nowhere) and marked sent, so the purge can delete them: otherwise
                // the outbox only grows
                outboxes.add(publisher.apply(userSink != null ? userSink : EventSink.discarding(), observer));
            }
        }
        BackgroundTask outbox = outboxes.isEmpty()
                ? null
                : outboxes.size() == 1
                        ? outboxes.get(0)
                        : () -> outboxes.stream()
                                .mapToInt(BackgroundTask::runOnce)
                                .sum();
        return new KitRecipe(
                properties,
                stock,
                keys,
                orders,
                inbox,
                userSink != null ? userSink : EventSink.discarding(),
                payments.getIfUnique(),
                steps,
                outbox,
                observer,
                pacing,
                async,
                customizers.orderedStream().toList());
    }

    /**
     * The payment pace of {@code orderkit.payment-pacing.*}: unlimited without a rate, per JVM with
     * one, shared through the application's {@code PaymentPermits} bean if it has one.
     */
    static PaymentPacing pacing(OrderKitProperties.Pacing p, @Nullable PaymentPermits shared) {
        Double rate = p.getPermitsPerSecond();
        if (shared != null && rate == null) {
            throw new IllegalStateException("orderkit.payment-pacing.permits-per-second is required: the context has a "
                    + "PaymentPermits bean (" + shared.getClass().getName() + "), and the kit needs the pace it allows "
                    + "all instances together (PaymentPacing.shared(permits, rate))");
        }
        try {
            PaymentPacing base = shared != null
                    ? PaymentPacing.shared(shared, Objects.requireNonNull(rate))
                    : rate != null ? PaymentPacing.perSecond(rate) : PaymentPacing.unlimited();
            return base.withMaxWait(p.getMaxWait()).withPauseWithoutHint(p.getPauseWithoutHint());
        } catch (InvalidRequestException e) {
            throw new IllegalStateException("orderkit.payment-pacing: " + e.getMessage(), e);
        }
    }

    /** The asynchronous placement settings of {@code orderkit.async-placement.*}. */
    static AsyncPlacement asyncPlacement(OrderKitProperties.Async p) {
        try {
            return new AsyncPlacement(
                    p.getWorkers(), p.getPollEvery(), p.getMaxBacklog(), p.getHoldTtl(), p.getBacklogRefresh());
        } catch (InvalidRequestException e) {
            throw new IllegalStateException("orderkit.async-placement: " + e.getMessage(), e);
        }
    }

    /**
     * The application's kit (background work off here; {@link OrderKitBackgroundLifecycle} runs it).
     *
     * @param recipe what it is built from
     * @return the kit
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public OrderKit orderKit(KitRecipe recipe) {
        return recipe.builder().build();
    }

    /**
     * Runs recovery, expiry, outbox publishing and purge while the context runs
     * ({@code orderkit.background.enabled=false} turns it off).
     *
     * @param recipe what the background kit is built from
     * @return the lifecycle bean
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(
            prefix = "orderkit.background",
            name = "enabled",
            havingValue = "true",
            matchIfMissing = true)
    public OrderKitBackgroundLifecycle orderkitBackground(KitRecipe recipe) {
        return new OrderKitBackgroundLifecycle(recipe::backgroundKit);
    }
}
