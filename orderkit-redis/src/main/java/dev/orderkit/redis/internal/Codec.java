package dev.orderkit.redis.internal;

import dev.orderkit.core.BackendUnavailableException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * Encodings shared by Java and the Lua scripts. Thread-safe (stateless).
 *
 * <p>Times are fixed-width digit strings ({@code seconds + 10^11}, 12 digits, then 9 digits of
 * nanoseconds) so that Lua compares them exactly with plain string comparison; sorted-set scores
 * use epoch milliseconds (floor) and every score hit is re-checked against the exact string.
 */
public final class Codec {
    private static final long OFFSET = 100_000_000_000L;
    private static final long MIN_SECONDS = -OFFSET + 1;
    private static final long MAX_SECONDS = 999_999_999_999L - OFFSET;

    private Codec() {}

    /**
     * Encodes an instant (clamped to roughly years -1200..4800).
     *
     * @param t the instant
     * @return 21 digits
     */
    public static String time(Instant t) {
        long s = t.getEpochSecond();
        int n = t.getNano();
        if (s < MIN_SECONDS) {
            s = MIN_SECONDS;
            n = 0;
        } else if (s > MAX_SECONDS) {
            s = MAX_SECONDS;
            n = 999_999_999;
        }
        // hot path (every script call): digits written directly, no String.format
        byte[] b = new byte[21];
        long v = s + OFFSET; // 1..999_999_999_999: exactly 12 digits with leading zeros
        for (int i = 11; i >= 0; i--) {
            b[i] = (byte) ('0' + (int) (v % 10));
            v /= 10;
        }
        int m = n;
        for (int i = 20; i >= 12; i--) {
            b[i] = (byte) ('0' + m % 10);
            m /= 10;
        }
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /**
     * Decodes {@link #time(Instant)}.
     *
     * @param s the encoded time
     * @return the instant
     */
    public static Instant time(String s) {
        if (s.length() != 21) {
            throw new NumberFormatException("not an encoded time: " + s);
        }
        return Instant.ofEpochSecond(digits(s, 0, 12) - OFFSET, digits(s, 12, 21));
    }

    private static long digits(String s, int from, int to) {
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9) {
                throw new NumberFormatException("not an encoded time: " + s);
            }
            v = v * 10 + d;
        }
        return v;
    }

    /**
     * Sorted-set score of an instant: epoch milliseconds, floor, clamped.
     *
     * @param t the instant
     * @return the score as a decimal string
     */
    public static String millis(Instant t) {
        long s = Math.max(MIN_SECONDS, Math.min(MAX_SECONDS, t.getEpochSecond()));
        return Long.toString(Math.addExact(Math.multiplyExact(s, 1000L), t.getNano() / 1_000_000));
    }

    /**
     * Escapes a user-supplied identifier for use inside a key: {@code % { } :} become
     * {@code %25 %7B %7D %3A}, so hash tags stay intact and key parts stay unambiguous.
     *
     * @param s the identifier
     * @return the escaped text
     */
    public static String escape(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r = switch (c) {
                case '%' -> "%25";
                case '{' -> "%7B";
                case '}' -> "%7D";
                case ':' -> "%3A";
                default -> null;
            };
            if (r != null && b == null) {
                b = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (b != null) {
                if (r != null) {
                    b.append(r);
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? s : b.toString();
    }

    /**
     * A field of a hash that the scripts always write.
     *
     * @param hash the hash as read ({@code HGETALL})
     * @param name the field
     * @return its value
     * @throws BackendUnavailableException if the field is missing (a corrupt or foreign key)
     */
    public static String field(Map<String, String> hash, String name) {
        String value = hash.get(name);
        if (value == null) {
            throw new BackendUnavailableException("corrupt record: hash field '" + name + "' is missing", null);
        }
        return value;
    }
}
