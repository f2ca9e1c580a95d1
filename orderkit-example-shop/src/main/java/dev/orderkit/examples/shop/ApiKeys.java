package dev.orderkit.examples.shop;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * API keys to store ids. Keys are kept and looked up as SHA-256 digests, so a lookup does not
 * compare secrets character by character and a heap dump holds no key. Immutable, thread-safe.
 */
public final class ApiKeys {
    private final Map<String, String> storeByDigest;

    /**
     * Indexes the configured stores.
     *
     * @param properties the properties
     * @throws IllegalStateException if a key is blank or used by two stores
     */
    public ApiKeys(ShopProperties properties) {
        Map<String, String> index = new HashMap<>();
        properties.stores().forEach((store, config) -> {
            if (config.apiKey() == null || config.apiKey().isBlank()) {
                throw new IllegalStateException("shop.stores." + store + ".api-key is blank");
            }
            if (index.put(digest(config.apiKey()), store) != null) {
                throw new IllegalStateException("shop.stores." + store + ".api-key is another store's key");
            }
        });
        this.storeByDigest = Map.copyOf(index);
    }

    /**
     * The store an API key belongs to.
     *
     * @param apiKey the presented key
     * @return the store id, empty for an unknown key
     */
    public Optional<String> storeOf(String apiKey) {
        return Optional.ofNullable(storeByDigest.get(digest(apiKey)));
    }

    private static String digest(String key) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
