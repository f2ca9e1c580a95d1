package dev.orderkit.spring.boot.internal;

import dev.orderkit.core.OrderKit;
import dev.orderkit.jdbc.JdbcBackend;
import dev.orderkit.redis.RedisBackend;
import dev.orderkit.spring.boot.OrderKitBackgroundLifecycle;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import redis.clients.jedis.UnifiedJedis;

/**
 * Health indicators on Spring Boot 4 ({@code spring-boot-health}, package
 * {@code org.springframework.boot.health.contributor}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = Boot4Health.API)
public class Boot4Health {
    /** The Boot 4 health API this configuration needs. */
    public static final String API = "org.springframework.boot.health.contributor.HealthIndicator";

    /** Created by Spring. */
    public Boot4Health() {}

    static Health health(Probe p) {
        return (p.up() ? Health.up() : Health.down()).withDetails(p.details()).build();
    }

    /**
     * The kit: parked orders and background tasks.
     *
     * @param kit the kit
     * @param background the background lifecycle
     * @return the indicator ({@code orderkit})
     */
    @Bean
    @ConditionalOnBean(OrderKit.class)
    @ConditionalOnMissingBean(name = "orderkitHealthIndicator")
    public HealthIndicator orderkitHealthIndicator(
            OrderKit kit, ObjectProvider<OrderKitBackgroundLifecycle> background) {
        return () -> health(Probe.kit(kit, background.getIfUnique()));
    }

    /** JDBC backend health. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(JdbcBackend.class)
    @ConditionalOnBean(JdbcBackend.class)
    static class Jdbc {
        @Bean
        @ConditionalOnMissingBean(name = "orderkitJdbcHealthIndicator")
        HealthIndicator orderkitJdbcHealthIndicator(JdbcBackend jdbc) {
            JdbcProbe probe = new JdbcProbe(jdbc);
            return () -> health(probe.read());
        }
    }

    /** Redis backend health. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({RedisBackend.class, UnifiedJedis.class})
    @ConditionalOnBean({RedisBackend.class, UnifiedJedis.class})
    static class Redis {
        @Bean
        @ConditionalOnMissingBean(name = "orderkitRedisHealthIndicator")
        HealthIndicator orderkitRedisHealthIndicator(RedisBackend redis, UnifiedJedis client) {
            RedisProbe probe = new RedisProbe(redis, client);
            return () -> health(probe.read());
        }
    }
}
