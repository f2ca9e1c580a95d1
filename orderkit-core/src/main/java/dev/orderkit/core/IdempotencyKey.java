package dev.orderkit.core;

import dev.orderkit.core.internal.Check;

/**
 * A client-supplied idempotency key (e.g. the HTTP {@code Idempotency-Key} header): 1..255
 * printable ASCII characters.
 *
 * @param value the key
 */
public record IdempotencyKey(String value) {
    /** Maximum length of a key. */
    public static final int MAX_LENGTH = 255;

    /**
     * Validates the key.
     *
     * @throws InvalidRequestException if the key is empty, too long or not printable ASCII
     */
    public IdempotencyKey {
        Check.printableAscii(value, "idempotencyKey", MAX_LENGTH);
    }

    /**
     * Creates a key.
     *
     * @param value the key text
     * @return the validated key
     */
    public static IdempotencyKey of(String value) {
        return new IdempotencyKey(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
