package dev.orderkit.spring.boot;

import dev.orderkit.core.OrderKit;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.spring.boot.internal.IdempotencyFilter;
import dev.orderkit.spring.boot.internal.IdempotencyInterceptor;
import dev.orderkit.spring.boot.internal.StripeWebhookController;
import dev.orderkit.stripe.StripeWebhookHandler;
import jakarta.servlet.Filter;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Auto-configuration of orderkit's Spring MVC parts in a servlet web application: the HTTP
 * idempotency layer of {@link Idempotent} handler methods (a servlet filter that buffers requests
 * carrying the key header and an interceptor that claims, replays and stores on the application's
 * {@link IdempotencyStore}), and the Stripe webhook endpoint when a {@link StripeWebhookHandler}
 * exists. The filter is a plain {@link Filter} bean, which Boot registers for every URL.
 */
@AutoConfiguration(after = OrderKitAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({WebMvcConfigurer.class, Filter.class})
public class OrderKitWebMvcAutoConfiguration {

    /** Created by Spring. */
    public OrderKitWebMvcAutoConfiguration() {}

    /**
     * Every request in one idempotency scope, {@code default}; define your own bean to scope keys
     * by API client or tenant.
     *
     * @return the resolver
     */
    @Bean
    @ConditionalOnMissingBean
    public IdempotencyScopeResolver orderkitIdempotencyScopeResolver() {
        return request -> "default";
    }

    /**
     * The filter buffering requests that carry the idempotency header.
     *
     * @param properties the properties
     * @return the filter
     */
    @Bean
    @ConditionalOnMissingBean
    public IdempotencyFilter orderkitIdempotencyFilter(OrderKitProperties properties) {
        return new IdempotencyFilter(properties.getIdempotency().getHeader());
    }

    /**
     * The interceptor implementing the idempotency layer.
     *
     * @param store the idempotency store
     * @param scopes the scope resolver
     * @param kit the kit, whose clock is used
     * @param properties the properties
     * @return the interceptor
     */
    @Bean
    @ConditionalOnMissingBean
    public IdempotencyInterceptor orderkitIdempotencyInterceptor(
            IdempotencyStore store,
            IdempotencyScopeResolver scopes,
            ObjectProvider<OrderKit> kit,
            OrderKitProperties properties) {
        OrderKitProperties.Idempotency p = properties.getIdempotency();
        return new IdempotencyInterceptor(
                store,
                scopes,
                () -> {
                    OrderKit k = kit.getIfUnique();
                    return k != null ? k.clock() : Clock.systemUTC();
                },
                p.getHeader(),
                p.getLease(),
                p.getRetention(),
                p.getReplayedHeaders());
    }

    /**
     * Registers the interceptor with Spring MVC.
     *
     * @param interceptor the interceptor
     * @return the configurer
     */
    @Bean
    public WebMvcConfigurer orderkitIdempotencyMvcConfigurer(IdempotencyInterceptor interceptor) {
        return new WebMvcConfigurer() {
            @Override
            public void addInterceptors(InterceptorRegistry registry) {
                registry.addInterceptor(interceptor);
            }
        };
    }

    /** The Stripe webhook endpoint at {@code orderkit.stripe.webhook-path}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(StripeWebhookHandler.class)
    @ConditionalOnBean(StripeWebhookHandler.class)
    static class StripeWebhookConfiguration {
        @Bean
        @ConditionalOnMissingBean
        StripeWebhookController orderkitStripeWebhookController(StripeWebhookHandler handler) {
            return new StripeWebhookController(handler);
        }
    }
}
