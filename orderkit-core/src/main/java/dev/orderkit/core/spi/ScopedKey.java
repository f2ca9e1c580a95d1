package dev.orderkit.core.spi;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.Scope;
import java.util.Objects;

/**
 * An idempotency key inside its scope: the primary key of an idempotency record.
 *
 * @param scope the scope
 * @param key the key
 */
public record ScopedKey(Scope scope, IdempotencyKey key) {
    /** Validates presence. */
    public ScopedKey {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(key, "key");
    }

    /**
     * Creates a scoped key.
     *
     * @param scope scope name
     * @param key key text
     * @return the scoped key
     */
    public static ScopedKey of(String scope, String key) {
        return new ScopedKey(new Scope(scope), new IdempotencyKey(key));
    }
}
