package dev.orderkit.core;

/**
 * An idempotency key was reused with a different request payload. This is a client bug (HTTP 422
 * in a web API); the request was not executed and nothing changed.
 */
public class IdempotencyKeyReuseException extends OrderKitException {
    private static final long serialVersionUID = 1L;
    private final String scope;
    private final String key;

    /**
     * Creates the exception.
     *
     * @param scope the scope of the key
     * @param key the reused key
     */
    public IdempotencyKeyReuseException(String scope, String key) {
        super("idempotency key '" + key + "' in scope '" + scope
                + "' was already used with a different request payload");
        this.scope = scope;
        this.key = key;
    }

    /**
     * The scope of the reused key.
     *
     * @return the scope
     */
    public String scope() {
        return scope;
    }

    /**
     * The reused key.
     *
     * @return the key
     */
    public String key() {
        return key;
    }
}
