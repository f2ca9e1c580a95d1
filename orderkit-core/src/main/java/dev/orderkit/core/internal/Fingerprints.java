package dev.orderkit.core.internal;

import dev.orderkit.core.OrderLine;
import dev.orderkit.core.PlaceOrderRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Request fingerprints: SHA-256 over a canonical JSON form (sorted keys, lines sorted by SKU,
 * currency lower-case). Scope and key are not part of it.
 *
 * <p>The canonical form is written directly, byte for byte what the canonical Jackson mapper
 * ({@link Json#MAPPER}) wrote for {@code {"v":1, customerRef, currency, paymentMethod, lines,
 * metadata}} before (keys sorted, line properties sorted, Jackson's string escapes), so a
 * fingerprint stored by an earlier version still matches the same request. Thread-safe.
 */
public final class Fingerprints {
    private static final char[] HEX_UPPER = "0123456789ABCDEF".toCharArray();
    private static final MessageDigest SHA256_PROTOTYPE = sha256Digest();

    private Fingerprints() {}

    public static String of(PlaceOrderRequest r) {
        StringBuilder sb = new StringBuilder(160);
        sb.append("{\"currency\":");
        string(sb, r.total().currency());
        sb.append(",\"customerRef\":");
        string(sb, r.customerRef());
        sb.append(",\"lines\":[");
        List<OrderLine> lines = r.lines();
        int n = lines.size();
        if (n == 1) {
            line(sb, lines.get(0));
        } else {
            OrderLine[] sorted = lines.toArray(new OrderLine[0]);
            // SKUs are distinct (the request checks), so any sort gives the one order
            Arrays.sort(sorted, (a, b) -> a.sku().compareTo(b.sku()));
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                line(sb, sorted[i]);
            }
        }
        sb.append("],\"metadata\":{");
        Map<String, String> metadata = r.metadata();
        if (!metadata.isEmpty()) {
            // the request keeps its metadata sorted; sort again only if handed something else
            Map<String, String> sorted = isSorted(metadata) ? metadata : new TreeMap<>(metadata);
            boolean first = true;
            for (Map.Entry<String, String> e : sorted.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                string(sb, e.getKey());
                sb.append(':');
                string(sb, e.getValue());
            }
        }
        sb.append("},\"paymentMethod\":");
        string(sb, r.paymentMethod());
        sb.append(",\"v\":1}");
        return sha256(sb.toString());
    }

    private static boolean isSorted(Map<String, String> m) {
        String prev = null;
        for (String k : m.keySet()) {
            if (prev != null && prev.compareTo(k) >= 0) {
                return false;
            }
            prev = k;
        }
        return true;
    }

    private static void line(StringBuilder sb, OrderLine l) {
        sb.append("{\"quantity\":").append(l.quantity()).append(",\"sku\":");
        string(sb, l.sku());
        sb.append(",\"unitPriceMinor\":").append(l.unitPriceMinor()).append('}');
    }

    /** A JSON string with Jackson's default escapes: quote, backslash, and controls below 0x20. */
    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                sb.append(c);
                continue;
            }
            sb.append('\\');
            switch (c) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '\b' -> sb.append('b');
                case '\t' -> sb.append('t');
                case '\f' -> sb.append('f');
                case '\n' -> sb.append('n');
                case '\r' -> sb.append('r');
                default -> sb.append("u00").append(HEX_UPPER[c >> 4]).append(HEX_UPPER[c & 0xF]);
            }
        }
        sb.append('"');
    }

    public static String sha256(String text) {
        MessageDigest md;
        try {
            md = (MessageDigest) SHA256_PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            md = sha256Digest();
        }
        return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 not available", e);
        }
    }
}
