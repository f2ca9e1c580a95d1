package dev.orderkit.spring.boot.internal;

import dev.orderkit.core.OrderKit;
import dev.orderkit.jdbc.JdbcBackend;
import dev.orderkit.redis.RedisBackend;
import dev.orderkit.spring.boot.OrderKitBackgroundLifecycle;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import redis.clients.jedis.UnifiedJedis;

/**
 * Health indicators on Spring Boot 3 ({@code spring-boot-actuator}, package
 * {@code org.springframework.boot.actuate.health}); off when the Boot 4 API is present.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = Boot3Health.API)
@ConditionalOnMissingClass(Boot4Health.API)
public class Boot3Health {
    /** The Boot 3 health API this configuration needs. */
    public static final String API = "org.springframework.boot.actuate.health.HealthIndicator";

    /** Created by Spring. */
    public Boot3Health() {}

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
