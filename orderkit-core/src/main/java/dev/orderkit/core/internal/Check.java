package dev.orderkit.core.internal;

import dev.orderkit.core.InvalidRequestException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** Argument validation helpers shared by value types. Not part of the public API. */
public final class Check {
    /** Largest quantity of a single line or adjustment. */
    public static final long MAX_QUANTITY = 1_000_000_000L;
    /** Largest on-hand level. */
    public static final long MAX_ON_HAND = 1_000_000_000_000L;

    private Check() {}

    /** The value; a {@link NullPointerException} naming the field if null (the message is built only then). */
    public static <T> T notNull(T value, String field) {
        if (value == null) {
            throw new NullPointerException(field + " must not be null");
        }
        return value;
    }

    /** Like {@link #notNull(Object, String)} for the element {@code field[index]} (message built only on failure). */
    public static <T> T notNull(T value, String field, int index) {
        if (value == null) {
            throw new NullPointerException(field + "[" + index + "] must not be null");
        }
        return value;
    }

    /** Like {@link #notNull(Object, String)} for the entry {@code field[key]} (message built only on failure). */
    public static <T> T notNull(T value, String field, String key) {
        if (value == null) {
            throw new NullPointerException(field + "[" + key + "] must not be null");
        }
        return value;
    }

    /** A printable, non-blank identifier of at most {@code max} chars (no control characters). */
    public static String identifier(String value, String field, int max) {
        notNull(value, field);
        if (value.isBlank()) {
            throw new InvalidRequestException(field, value, "must not be blank");
        }
        if (value.length() > max) {
            throw new InvalidRequestException(field, value, "must be at most " + max + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw new InvalidRequestException(field, value, "must not contain control characters");
            }
        }
        return value;
    }

    /**
     * 1..max printable ASCII characters (0x21..0x7E). A missing ({@code null}) or blank value is an
     * {@link InvalidRequestException} naming the field too: such a value is a client's request field
     * (an idempotency key from an HTTP header), not a programming error.
     */
    public static String printableAscii(@Nullable String value, String field, int max) {
        if (value == null) {
            throw new InvalidRequestException(field, null, "is required");
        }
        if (value.isBlank()) {
            throw new InvalidRequestException(field, value, "must not be blank");
        }
        if (value.length() > max) {
            throw new InvalidRequestException(field, value, "must be 1.." + max + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                throw new InvalidRequestException(field, value, "must contain only printable ASCII characters");
            }
        }
        return value;
    }

    public static long quantity(long value, String field) {
        if (value <= 0 || value > MAX_QUANTITY) {
            throw new InvalidRequestException(field, value, "must be between 1 and " + MAX_QUANTITY);
        }
        return value;
    }

    public static long nonNegative(long value, String field, long max) {
        if (value < 0 || value > max) {
            throw new InvalidRequestException(field, value, "must be between 0 and " + max);
        }
        return value;
    }

    public static Duration ttl(Duration value, String field, Duration min, Duration max) {
        notNull(value, field);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new InvalidRequestException(field, value, "must be between " + min + " and " + max);
        }
        return value;
    }
}
