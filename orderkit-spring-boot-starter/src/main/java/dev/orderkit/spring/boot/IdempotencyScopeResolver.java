package dev.orderkit.spring.boot;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Says whose idempotency keys a request uses, e.g. the authenticated API client or the tenant: the
 * same key sent by two clients are two different keys. The default resolver puts every request in
 * one scope ({@code "default"}). Define a bean of this type to replace it.
 *
 * <p>Called on the request thread; must be thread-safe.
 */
@FunctionalInterface
public interface IdempotencyScopeResolver {
    /**
     * The scope of a request.
     *
     * @param request the request
     * @return a non-blank scope name of at most 120 characters without control characters
     */
    String resolve(HttpServletRequest request);
}
