package dev.orderkit.spring.boot;

import dev.orderkit.spring.boot.internal.Boot3Health;
import dev.orderkit.spring.boot.internal.Boot4Health;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * Health indicators when Spring Boot's health support is on the class path: {@code orderkit} (the
 * kit answers; parked orders, background tasks), {@code orderkitJdbc} (the database answers; outbox
 * lag and dead letters) and {@code orderkitRedis} (the server answers PING), each only where its
 * backend is in use. Boot 4 and Boot 3 keep their health API in different packages; one small
 * configuration per line is imported and the one whose API is present applies.
 */
@AutoConfiguration(after = OrderKitAutoConfiguration.class)
@Import({Boot4Health.class, Boot3Health.class})
public class OrderKitHealthAutoConfiguration {
    /** Created by Spring. */
    public OrderKitHealthAutoConfiguration() {}
}
