package dev.orderkit.examples.shop;

import dev.orderkit.core.OrderKit;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.spring.boot.IdempotencyScopeResolver;
import dev.orderkit.spring.boot.OrderKitProperties;
import dev.orderkit.stripe.StripePaymentPort;
import dev.orderkit.stripe.StripeWebhookHandler;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * The shop's wiring on top of the starter: API keys, the authentication and rate-limit filter, the
 * idempotency scope (the caller's store, so one store's keys never meet another's), the event
 * sink the outbox publishes to and the Stripe webhook handler.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ShopProperties.class)
public class ShopConfiguration {

    /** Created by Spring. */
    public ShopConfiguration() {}

    /**
     * The stores' API keys.
     *
     * @param properties the properties
     * @return the keys
     */
    @Bean
    public ApiKeys apiKeys(ShopProperties properties) {
        return new ApiKeys(properties);
    }

    /**
     * Authentication and rate limits in front of everything else under {@code /v1/}.
     *
     * @param keys the keys
     * @param properties the properties
     * @return the registration
     */
    @Bean
    public FilterRegistrationBean<ApiKeyFilter> apiKeyFilter(ApiKeys keys, ShopProperties properties) {
        FilterRegistrationBean<ApiKeyFilter> registration =
                new FilterRegistrationBean<>(new ApiKeyFilter(keys, properties));
        registration.addUrlPatterns("/v1/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 100);
        return registration;
    }

    /**
     * Where order events go: replace this with your broker (Kafka, RabbitMQ, a webhook to your
     * ERP). On the JDBC backend the starter's outbox publisher hands every event written with an
     * order change to this sink, at least once (dedupe on {@code event.id()}); without an
     * {@link EventSink} bean nothing publishes the outbox and its rows stay pending (the purge only
     * deletes sent ones).
     *
     * @return the sink (logs each event at DEBUG on {@code shop.events})
     */
    @Bean
    public EventSink shopEvents() {
        Logger log = LoggerFactory.getLogger("shop.events");
        return event -> log.debug("{} {} {} {}", event.type(), event.subjectId(), event.id(), event.attributes());
    }

    /**
     * Idempotency keys are per store: the same key from two stores are two keys.
     *
     * @return the resolver
     */
    @Bean
    public IdempotencyScopeResolver storeScope() {
        return request -> {
            Object store = request.getAttribute(ApiKeyFilter.STORE);
            if (!(store instanceof String s)) {
                throw new IllegalStateException("no authenticated store on " + request.getRequestURI());
            }
            return s;
        };
    }

    /**
     * The Stripe webhook handler when {@code orderkit.stripe.webhook-secret} is set; the starter
     * serves it at {@code orderkit.stripe.webhook-path} ({@code /v1/webhooks/stripe} here). With
     * {@code orderkit.stripe.api-key} set (real Stripe payments) it re-reads each PaymentIntent from
     * Stripe; without (simulated payments) it applies the event's snapshot.
     *
     * @param kit the kit
     * @param inbox the starter's inbox (de-duplicates deliveries by event id)
     * @param port Stripe's payment port, if Stripe payments are on
     * @param properties the starter's properties (the current and the previous signing secrets)
     * @return the handler
     */
    @Bean
    @ConditionalOnProperty(prefix = "orderkit.stripe", name = "webhook-secret")
    public StripeWebhookHandler stripeWebhookHandler(
            OrderKit kit, InboxStore inbox, ObjectProvider<StripePaymentPort> port, OrderKitProperties properties) {
        StripeWebhookHandler.Builder b = StripeWebhookHandler.builder(kit.orders())
                .inbox(inbox)
                .signingSecret(Objects.requireNonNull(properties.getStripe().getWebhookSecret()));
        properties.getStripe().getPreviousWebhookSecrets().forEach(b::signingSecret);
        port.ifAvailable(b::paymentPort);
        return b.build();
    }
}
