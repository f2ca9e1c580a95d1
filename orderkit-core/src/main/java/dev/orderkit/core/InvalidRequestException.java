package dev.orderkit.core;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A request was rejected up front because one of its fields is invalid. Nothing was written.
 *
 * <p>The field is named as a path such as {@code lines[2].quantity}; the offending value is kept
 * as a string (truncated to 300 characters).
 */
public class InvalidRequestException extends OrderKitException {
    private static final long serialVersionUID = 1L;
    private final String field;
    private final @Nullable String value;

    /**
     * Creates the exception.
     *
     * @param field the field path, e.g. {@code lines[0].quantity}
     * @param value the rejected value (may be {@code null})
     * @param reason why it was rejected
     */
    public InvalidRequestException(String field, @Nullable Object value, String reason) {
        super(field + " " + reason + " (was " + render(value) + ")");
        this.field = Objects.requireNonNull(field, "field");
        this.value = value == null ? null : truncate(String.valueOf(value));
    }

    private static String render(@Nullable Object value) {
        return value == null ? "null" : "'" + truncate(String.valueOf(value)) + "'";
    }

    private static String truncate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    /**
     * The path of the rejected field.
     *
     * @return e.g. {@code lines[0].sku}
     */
    public String field() {
        return field;
    }

    /**
     * The rejected value, rendered as a string.
     *
     * @return the value, or {@code null} if it was null
     */
    public @Nullable String value() {
        return value;
    }
}
