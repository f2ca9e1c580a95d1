package dev.orderkit.webhooks.internal;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 of {@code timestamp + "." + body}, lower-case hex. Thread-safe (stateless). */
public final class Hmac {
    private Hmac() {}

    /**
     * Signs a payload.
     *
     * @param secret the shared secret (UTF-8)
     * @param timestamp unix seconds, as sent in {@code t=}
     * @param body the exact request body
     * @return the lower-case hex signature (64 characters)
     */
    public static String sign(String secret, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update(Long.toString(timestamp).getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) '.');
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
