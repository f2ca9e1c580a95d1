package dev.orderkit.spring.boot.internal;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Objects;
import java.util.Set;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;

/**
 * Makes the body of a request that carries the idempotency header readable twice and buffers its
 * response, so {@link IdempotencyInterceptor} can fingerprint the body and store the response
 * before it is sent. Requests without the header, and safe methods, pass through untouched.
 * Thread-safe.
 */
public final class IdempotencyFilter extends OncePerRequestFilter {
    private static final Set<String> UNSAFE = Set.of("POST", "PUT", "PATCH", "DELETE");
    private final String header;

    /**
     * Creates the filter.
     *
     * @param header the idempotency header name
     */
    public IdempotencyFilter(String header) {
        this.header = Objects.requireNonNull(header, "header");
    }

    /**
     * Whether the idempotency layer applies to a method.
     *
     * @param method the HTTP method
     * @return true for POST, PUT, PATCH and DELETE
     */
    static boolean unsafe(String method) {
        return UNSAFE.contains(method);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getHeader(header) == null || !unsafe(request.getMethod())) {
            chain.doFilter(request, response);
            return;
        }
        ContentCachingResponseWrapper out = new ContentCachingResponseWrapper(response);
        try {
            chain.doFilter(new CachedBodyRequest(request), out);
        } finally {
            out.copyBodyToResponse();
        }
    }
}
