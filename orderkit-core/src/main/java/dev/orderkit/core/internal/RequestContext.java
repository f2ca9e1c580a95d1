package dev.orderkit.core.internal;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.Scope;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * The SLF4J MDC entries of a request: {@value #ORDER_ID}, {@value #KEY_HASH} (the first 16 hex
 * characters of the SHA-256 of the idempotency key: never the key itself, which a client may treat
 * as a secret) and {@value #SCOPE}. {@link #enter} saves the outer values and {@link Saved#close()}
 * restores them, so nested calls (a placement inside a caller's own request context, recovery
 * working one order after another) keep the outer context and nothing leaks past the call.
 * Thread-confined, like the MDC.
 */
public final class RequestContext {
    /** MDC key of the order id. */
    public static final String ORDER_ID = "orderkit.order_id";
    /** MDC key of the hashed idempotency key. */
    public static final String KEY_HASH = "orderkit.key_hash";
    /** MDC key of the scope. */
    public static final String SCOPE = "orderkit.scope";

    private RequestContext() {}

    /**
     * The hashed form of a key as it appears in logs.
     *
     * @param key the key
     * @return the first 16 lower-case hex characters of the SHA-256 of its text
     */
    public static String hash(IdempotencyKey key) {
        return Fingerprints.sha256(key.value()).substring(0, 16);
    }

    /**
     * Puts a placement's scope and hashed key (and clears a stale order id) for the duration of a
     * call.
     *
     * @param scope the scope
     * @param key the key
     * @return what to close (in a finally block) to restore the outer context
     */
    public static Saved enter(Scope scope, IdempotencyKey key) {
        Saved saved = new Saved();
        MDC.put(SCOPE, scope.value());
        MDC.put(KEY_HASH, hash(key));
        MDC.remove(ORDER_ID);
        return saved;
    }

    /**
     * Puts only the order id (recovery, order operations by id), keeping the rest.
     *
     * @param orderId the order's id
     * @return what to close to restore the outer context
     */
    public static Saved enterOrder(String orderId) {
        Saved saved = new Saved();
        MDC.put(ORDER_ID, orderId);
        return saved;
    }

    /**
     * Sets the order id of the current request, once it is known (after the claim).
     *
     * @param orderId the order's id
     */
    public static void orderId(String orderId) {
        MDC.put(ORDER_ID, orderId);
    }

    /** The outer values, restored on {@link #close()}. */
    public static final class Saved implements AutoCloseable {
        private final @Nullable String orderId = MDC.get(ORDER_ID);
        private final @Nullable String keyHash = MDC.get(KEY_HASH);
        private final @Nullable String scope = MDC.get(SCOPE);

        private Saved() {}

        @Override
        public void close() {
            restore(ORDER_ID, orderId);
            restore(KEY_HASH, keyHash);
            restore(SCOPE, scope);
        }

        private static void restore(String name, @Nullable String value) {
            if (value == null) {
                MDC.remove(name);
            } else {
                MDC.put(name, value);
            }
        }
    }
}
