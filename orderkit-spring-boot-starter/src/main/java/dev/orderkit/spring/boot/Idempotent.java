package dev.orderkit.spring.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Makes a Spring MVC handler method (or every handler method of a controller) idempotent per the
 * IETF {@code Idempotency-Key} HTTP header draft, on orderkit's own idempotency store:
 *
 * <ul>
 *   <li>a request without the header is answered {@code 400};
 *   <li>the first request with a key runs the method; its response (status, body, Content-Type and
 *       the headers in {@code orderkit.idempotency.replayed-headers}) is stored for
 *       {@code orderkit.idempotency.retention};
 *   <li>a repeat with the same key, method, path and body gets the stored response again, marked
 *       with the header {@code Idempotent-Replayed: true}, without running the method;
 *   <li>a repeat while the first is still running is answered {@code 409} (with {@code Retry-After});
 *   <li>a repeat with another method, path or body is answered {@code 422};
 *   <li>a first execution that fails (an exception or a 5xx status) releases the key, so a retry runs.
 * </ul>
 *
 * <p>Errors are RFC 9457 {@code application/problem+json} documents. Keys are scoped by the
 * {@link IdempotencyScopeResolver} bean. Meant for unsafe methods (POST, PUT, PATCH, DELETE) with
 * synchronous handlers.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface Idempotent {}
