package dev.orderkit.stripe.internal;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Verifies Stripe's {@code Stripe-Signature} header: {@code t=<unix seconds>,v1=<hex>[,v1=<hex>...]},
 * where each {@code v1} is HMAC-SHA256 over {@code "<t>." + payload} with an endpoint's signing
 * secret. Any of several secrets may match (rotation). Comparison is constant-time
 * ({@link MessageDigest#isEqual}). Immutable and thread-safe.
 */
public final class SignatureVerifier {
    /** Why a signature was rejected (never containing the secret or the expected signature). */
    public enum Failure {
        /** Header missing or malformed. */
        MALFORMED_HEADER,
        /** Timestamp outside the tolerance. */
        TIMESTAMP_OUT_OF_TOLERANCE,
        /** No {@code v1} signature matched any secret. */
        NO_MATCH
    }

    private static final int MAX_HEADER = 4096;
    private final List<byte[]> secrets;
    private final Duration tolerance;

    /**
     * Creates a verifier.
     *
     * @param secrets signing secrets, at least one
     * @param tolerance maximum distance between the signed timestamp and now
     */
    public SignatureVerifier(List<String> secrets, Duration tolerance) {
        List<byte[]> copy = new ArrayList<>();
        for (String s : secrets) {
            copy.add(s.getBytes(StandardCharsets.UTF_8));
        }
        this.secrets = List.copyOf(copy);
        this.tolerance = tolerance;
    }

    /**
     * Verifies a delivery.
     *
     * @param payload the raw request body, exactly as received
     * @param header the {@code Stripe-Signature} header, may be {@code null}
     * @param now the current time
     * @return {@code null} if valid, else the reason
     */
    public @Nullable Failure verify(byte[] payload, @Nullable String header, Instant now) {
        if (header == null || header.isEmpty() || header.length() > MAX_HEADER) {
            return Failure.MALFORMED_HEADER;
        }
        String timestamp = null;
        List<byte[]> signatures = new ArrayList<>();
        for (String part : header.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String k = part.substring(0, eq).trim();
            String v = part.substring(eq + 1).trim();
            if (k.equals("t")) {
                timestamp = v;
            } else if (k.equals("v1")) {
                byte[] sig = hex(v);
                if (sig != null) {
                    signatures.add(sig);
                }
            }
        }
        if (timestamp == null || signatures.isEmpty() || !timestamp.matches("\\d{1,12}")) {
            return Failure.MALFORMED_HEADER;
        }
        long t = Long.parseLong(timestamp);
        long skew = Math.abs(now.getEpochSecond() - t);
        if (skew > tolerance.toSeconds()) {
            return Failure.TIMESTAMP_OUT_OF_TOLERANCE;
        }
        byte[] prefix = (timestamp + ".").getBytes(StandardCharsets.US_ASCII);
        boolean match = false;
        for (byte[] secret : secrets) {
            byte[] expected = hmac(secret, prefix, payload);
            for (byte[] sig : signatures) {
                // no early exit: every comparison runs, each in constant time
                match |= MessageDigest.isEqual(expected, sig);
            }
        }
        return match ? null : Failure.NO_MATCH;
    }

    /**
     * Computes a {@code Stripe-Signature} header value (used by tests and local tooling).
     *
     * @param secret the signing secret
     * @param timestamp unix seconds
     * @param payload the body
     * @return {@code t=...,v1=...}
     */
    public static String sign(String secret, long timestamp, byte[] payload) {
        byte[] mac = hmac(
                secret.getBytes(StandardCharsets.UTF_8),
                (timestamp + ".").getBytes(StandardCharsets.US_ASCII),
                payload);
        return "t=" + timestamp + ",v1=" + HexFormat.of().formatHex(mac);
    }

    private static byte[] hmac(byte[] secret, byte[] prefix, byte[] payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(prefix);
            return mac.doFinal(payload);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static byte @Nullable [] hex(String v) {
        if (v.length() != 64) {
            return null;
        }
        try {
            return HexFormat.of().parseHex(v);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "SignatureVerifier[secrets=" + secrets.size() + " (redacted), tolerance=" + tolerance + "]";
    }
}
