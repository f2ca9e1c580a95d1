package dev.orderkit.core;

import org.jspecify.annotations.Nullable;

/**
 * Which page of a listing to return: its size and, after the first page, the cursor that the
 * previous page returned ({@link OrderPage#nextCursor()}). Immutable and thread-safe.
 *
 * <p>A cursor is an opaque string (URL-safe Base64, at most {@value #MAX_CURSOR_LENGTH} characters)
 * that is only valid with the scope and filter of the listing that produced it; the service
 * rejects any other string with an {@link InvalidRequestException} naming the field
 * {@code cursor}. Cursors do not expire: a listing can be resumed later (keyset pagination, see
 * {@link OrderService#list(Scope, OrderFilter, PageRequest)}).
 *
 * @param size the number of orders per page, 1..{@value #MAX_SIZE}
 * @param cursor the cursor of the previous page, or {@code null} for the first page
 */
public record PageRequest(int size, @Nullable String cursor) {
    /** The page size of {@link #first()}. */
    public static final int DEFAULT_SIZE = 50;
    /** The largest page size. */
    public static final int MAX_SIZE = 500;
    /** The longest cursor the service ever returns. */
    public static final int MAX_CURSOR_LENGTH = 1024;

    /**
     * Validates the size and the cursor's shape (the service checks the rest of a cursor).
     *
     * @throws InvalidRequestException if {@code size} is not in 1..{@value #MAX_SIZE} ({@code size})
     *     or the cursor is empty, too long or not URL-safe Base64 ({@code cursor})
     */
    public PageRequest {
        if (size < 1 || size > MAX_SIZE) {
            throw new InvalidRequestException("size", size, "must be between 1 and " + MAX_SIZE);
        }
        if (cursor != null) {
            if (cursor.isEmpty() || cursor.length() > MAX_CURSOR_LENGTH) {
                throw new InvalidRequestException(
                        "cursor",
                        cursor,
                        "must be 1.." + MAX_CURSOR_LENGTH + " characters (a cursor the service returned)");
            }
            for (int i = 0; i < cursor.length(); i++) {
                char c = cursor.charAt(i);
                boolean base64url = (c >= 'A' && c <= 'Z')
                        || (c >= 'a' && c <= 'z')
                        || (c >= '0' && c <= '9')
                        || c == '-'
                        || c == '_';
                if (!base64url) {
                    throw new InvalidRequestException("cursor", cursor, "is not a cursor the service returned");
                }
            }
        }
    }

    /**
     * The first page, {@value #DEFAULT_SIZE} orders.
     *
     * @return the request
     */
    public static PageRequest first() {
        return new PageRequest(DEFAULT_SIZE, null);
    }

    /**
     * The first page.
     *
     * @param size orders per page, 1..{@value #MAX_SIZE}
     * @return the request
     * @throws InvalidRequestException if the size is out of range
     */
    public static PageRequest first(int size) {
        return new PageRequest(size, null);
    }

    /**
     * The page after the one that returned {@code cursor}.
     *
     * @param cursor {@link OrderPage#nextCursor()} of the previous page
     * @param size orders per page, 1..{@value #MAX_SIZE}
     * @return the request
     * @throws InvalidRequestException if the size is out of range ({@code size}) or the cursor is
     *     missing or malformed ({@code cursor})
     */
    public static PageRequest after(@Nullable String cursor, int size) {
        if (cursor == null) {
            throw new InvalidRequestException("cursor", null, "is required");
        }
        return new PageRequest(size, cursor);
    }
}
