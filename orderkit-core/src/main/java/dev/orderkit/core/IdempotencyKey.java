package dev.orderkit.core;

import dev.orderkit.core.internal.Check;
import org.jspecify.annotations.Nullable;

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
     * @throws InvalidRequestException naming the field {@code idempotencyKey} if the key is missing
     *     ({@code null}), blank, too long or not printable ASCII
     */
    public IdempotencyKey {
        Check.printableAscii(value, "idempotencyKey", MAX_LENGTH);
    }

    /**
     * Creates a key.
     *
     * @param value the key text ({@code null} when the client sent none)
     * @return the validated key
     * @throws InvalidRequestException naming the field {@code idempotencyKey} if the key is missing,
     *     blank, too long or not printable ASCII
     */
    public static IdempotencyKey of(@Nullable String value) {
        // a missing header arrives here as null: an InvalidRequestException naming the field, not an NPE
        return new IdempotencyKey(Check.printableAscii(value, "idempotencyKey", MAX_LENGTH));
    }

    @Override
    public String toString() {
        return value;
    }
}
