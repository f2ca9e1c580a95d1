/**
 * Spring Boot auto-configuration for orderkit (Spring Boot 4.0, also verified on 3.5).
 *
 * <p>Adding {@code orderkit-spring-boot-starter} gives the application an
 * {@link dev.orderkit.core.OrderKit} bean built from {@code orderkit.*} properties
 * ({@link dev.orderkit.spring.boot.OrderKitProperties}) on the backend the application has: JDBC when
 * a {@link javax.sql.DataSource} bean exists, Redis for stock, keys and inbox when a
 * {@code UnifiedJedis} bean exists or {@code orderkit.redis.uri} is set, in memory otherwise; Stripe
 * payments when {@code orderkit.stripe.api-key} is set. Background work runs in
 * {@link dev.orderkit.spring.boot.OrderKitBackgroundLifecycle}; controller methods annotated with
 * {@link dev.orderkit.spring.boot.Idempotent} get the HTTP {@code Idempotency-Key} layer. Every bean
 * backs off when the application defines its own of the same type.
 */
@NullMarked
package dev.orderkit.spring.boot;

import org.jspecify.annotations.NullMarked;
