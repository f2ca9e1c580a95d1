package dev.orderkit.core.internal;

import dev.orderkit.core.OrderLine;
import dev.orderkit.core.PlaceOrderRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Request fingerprints: SHA-256 over a canonical JSON form (sorted keys, lines sorted by SKU,
 * currency lower-case). Scope and key are not part of it.
 */
public final class Fingerprints {
    private Fingerprints() {}

    public static String of(PlaceOrderRequest r) {
        Map<String, Object> canonical = new LinkedHashMap<>();
        canonical.put("v", 1);
        canonical.put("customerRef", r.customerRef());
        canonical.put("currency", r.total().currency());
        canonical.put("paymentMethod", r.paymentMethod());
        List<OrderLine> lines =
                r.lines().stream().sorted(Comparator.comparing(OrderLine::sku)).toList();
        canonical.put("lines", lines);
        canonical.put("metadata", r.metadata());
        return sha256(Json.write(canonical));
    }

    public static String sha256(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 not available", e);
        }
    }
}
