package dev.orderkit.core;

import dev.orderkit.core.internal.Check;

/**
 * The namespace of idempotency keys and orders: a tenant, store or API client. Nothing in one scope
 * is visible or replayable from another. 1..128 characters, no control characters.
 *
 * @param value the scope name
 */
public record Scope(String value) {
    /** Maximum length of a scope name. */
    public static final int MAX_LENGTH = 128;
    /** The scope used when an application has a single tenant. */
    public static final Scope DEFAULT = new Scope("default");

    /**
     * Validates the scope.
     *
     * @throws InvalidRequestException if blank, too long or containing control characters
     */
    public Scope {
        Check.identifier(value, "scope", MAX_LENGTH);
    }

    /**
     * Creates a scope.
     *
     * @param value the scope name
     * @return the validated scope
     */
    public static Scope of(String value) {
        return new Scope(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
