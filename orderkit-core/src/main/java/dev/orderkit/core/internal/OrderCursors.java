package dev.orderkit.core.internal;

import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.OrderFilter;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.Scope;
import dev.orderkit.core.spi.OrderPosition;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;

/**
 * Encodes and decodes the page cursors of {@code OrderService.list}. A cursor is URL-safe Base64
 * (no padding) of: format byte {@code 1}, the position's created time (epoch seconds as 8 bytes,
 * nanoseconds as 4 bytes), the order id (2-byte length, UTF-8), and the first 12 bytes of
 * SHA-256 over the preceding bytes, the scope and the canonical filter. The check makes a cursor
 * valid only for the listing (scope and filter) that produced it and catches truncated or edited
 * cursors; it is not a secret signature (a forged cursor gains nothing: the query is bound to the
 * caller's scope whatever the cursor says). Thread-safe (stateless).
 */
public final class OrderCursors {
    private static final byte FORMAT = 1;
    private static final int CHECK_BYTES = 12;
    private static final int MAX_ID_BYTES = 4 * 128;

    private OrderCursors() {}

    /**
     * The cursor of the page after {@code last}.
     *
     * @param scope the listing's scope
     * @param filter the listing's filter
     * @param last the position of the last order of the page
     * @return the cursor
     */
    public static String encode(Scope scope, OrderFilter filter, OrderPosition last) {
        byte[] id = last.orderId().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 8 + 4 + 2 + id.length + CHECK_BYTES);
        b.put(FORMAT);
        b.putLong(last.createdAt().getEpochSecond());
        b.putInt(last.createdAt().getNano());
        b.putShort((short) id.length);
        b.put(id);
        byte[] check = check(scope, filter, b.array(), b.position());
        b.put(check);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    /**
     * The position a cursor encodes, if it was produced for this scope and filter.
     *
     * @param scope the listing's scope
     * @param filter the listing's filter
     * @param cursor the cursor from the client
     * @return the position
     * @throws InvalidRequestException naming {@code cursor} if it is not a cursor of this listing
     */
    public static OrderPosition decode(Scope scope, OrderFilter filter, String cursor) {
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(cursor);
        } catch (IllegalArgumentException e) {
            throw invalid(cursor, "is not a cursor the service returned");
        }
        ByteBuffer b = ByteBuffer.wrap(raw);
        if (raw.length < 1 + 8 + 4 + 2 + 1 + CHECK_BYTES || b.get() != FORMAT) {
            throw invalid(cursor, "is not a cursor the service returned");
        }
        long seconds = b.getLong();
        int nanos = b.getInt();
        int idLength = Short.toUnsignedInt(b.getShort());
        if (idLength < 1 || idLength > MAX_ID_BYTES || b.remaining() != idLength + CHECK_BYTES) {
            throw invalid(cursor, "is not a cursor the service returned");
        }
        int payload = b.position() + idLength;
        byte[] expected = check(scope, filter, raw, payload);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(raw, payload, raw.length))) {
            throw invalid(cursor, "does not belong to this listing (another scope or filter, or altered)");
        }
        String id;
        try {
            id = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw, b.position(), idLength))
                    .toString();
        } catch (CharacterCodingException e) {
            throw invalid(cursor, "is not a cursor the service returned");
        }
        Instant at;
        try {
            if (nanos < 0 || nanos > 999_999_999) {
                throw invalid(cursor, "is not a cursor the service returned");
            }
            at = Instant.ofEpochSecond(seconds, nanos);
        } catch (DateTimeException e) {
            throw invalid(cursor, "is not a cursor the service returned");
        }
        return new OrderPosition(at, id);
    }

    private static InvalidRequestException invalid(String cursor, String reason) {
        return new InvalidRequestException("cursor", cursor, reason);
    }

    /** SHA-256 of the payload, the scope and the canonical filter, cut to {@link #CHECK_BYTES}. */
    private static byte[] check(Scope scope, OrderFilter filter, byte[] payload, int length) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required on every Java platform", e);
        }
        sha.update(payload, 0, length);
        StringBuilder canonical =
                new StringBuilder("orderkit.list.v1\n").append(scope.value()).append('\n');
        if (!filter.statuses().isEmpty()) {
            for (OrderStatus s : EnumSet.copyOf(filter.statuses())) {
                canonical.append(s.name()).append(',');
            }
        }
        canonical.append('\n').append(filter.customerRef() == null ? "-" : "=" + filter.customerRef());
        canonical.append('\n').append(filter.createdFrom()).append('\n').append(filter.createdTo());
        sha.update(canonical.toString().getBytes(StandardCharsets.UTF_8));
        return Arrays.copyOf(sha.digest(), CHECK_BYTES);
    }
}
