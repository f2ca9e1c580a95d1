package dev.orderkit.core;

import dev.orderkit.core.internal.Check;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A request to place an order. Everything except the scope and the key forms the request
 * fingerprint: the same key with a different payload is rejected.
 *
 * @param scope tenant / store / API client the key belongs to
 * @param idempotencyKey the client's idempotency key
 * @param customerRef the caller's customer reference, 1..128 characters
 * @param currency three-letter currency code of all prices
 * @param paymentMethod payment method token handed to the {@code PaymentPort}, 1..255 characters
 * @param lines 1..500 lines, each SKU at most once
 * @param metadata free-form string metadata (at most 50 entries, keys 1..40, values up to 500 chars)
 */
public record PlaceOrderRequest(
        Scope scope,
        IdempotencyKey idempotencyKey,
        String customerRef,
        String currency,
        String paymentMethod,
        List<OrderLine> lines,
        Map<String, String> metadata) {

    /**
     * Validates the request and makes defensive, sorted copies.
     *
     * @throws InvalidRequestException naming the field if any part is invalid
     */
    public PlaceOrderRequest {
        Check.notNull(scope, "scope");
        if (idempotencyKey == null) { // a missing header, not a programming error: a 400 naming the field
            throw new InvalidRequestException("idempotencyKey", null, "is required");
        }
        Check.identifier(customerRef, "customerRef", 128);
        new Money(0, currency);
        Check.identifier(paymentMethod, "paymentMethod", 255);
        Check.notNull(lines, "lines");
        if (lines.isEmpty() || lines.size() > ReservationRequest.MAX_LINES) {
            throw new InvalidRequestException(
                    "lines", lines.size(), "must contain 1.." + ReservationRequest.MAX_LINES + " lines");
        }
        int n = lines.size();
        Set<String> seen = n > 16 ? new HashSet<>() : null; // few lines: compared pairwise, no set
        long total = 0;
        for (int i = 0; i < n; i++) {
            OrderLine line = Check.notNull(lines.get(i), "lines", i);
            boolean duplicate = false;
            if (seen != null) {
                duplicate = !seen.add(line.sku());
            } else {
                for (int j = 0; j < i && !duplicate; j++) {
                    duplicate = lines.get(j).sku().equals(line.sku());
                }
            }
            if (duplicate) {
                throw new InvalidRequestException("lines[" + i + "].sku", line.sku(), "appears more than once");
            }
            try {
                total = Math.addExact(total, Math.multiplyExact(line.quantity(), line.unitPriceMinor()));
            } catch (ArithmeticException e) {
                throw new InvalidRequestException(
                        "lines[" + i + "].unitPriceMinor", line.unitPriceMinor(), "makes the order total overflow");
            }
            if (total > Money.MAX_MINOR) {
                throw new InvalidRequestException(
                        "lines[" + i + "].unitPriceMinor",
                        line.unitPriceMinor(),
                        "makes the order total exceed " + Money.MAX_MINOR);
            }
        }
        lines = List.copyOf(new ArrayList<>(lines));
        metadata = metadata == null ? Map.of() : metadata;
        if (metadata.size() > 50) {
            throw new InvalidRequestException("metadata", metadata.size(), "must have at most 50 entries");
        }
        if (metadata.isEmpty()) {
            metadata = Map.of();
        } else {
            TreeMap<String, String> sorted = new TreeMap<>();
            metadata.forEach((k, v) -> {
                Check.identifier(k, "metadata.key", 40);
                Check.notNull(v, "metadata", k);
                if (v.length() > 500) {
                    throw new InvalidRequestException("metadata[" + k + "]", v, "must be at most 500 characters");
                }
                sorted.put(k, v);
            });
            metadata = Collections.unmodifiableMap(sorted);
        }
    }

    /**
     * The order total.
     *
     * @return the sum of quantity times unit price, in the request currency
     */
    public Money total() {
        long sum = 0;
        for (int i = 0; i < lines.size(); i++) {
            OrderLine l = lines.get(i);
            sum += l.quantity() * l.unitPriceMinor();
        }
        return new Money(sum, currency);
    }

    /**
     * Starts a builder.
     *
     * @param scope the scope
     * @param idempotencyKey the idempotency key
     * @return a builder
     */
    public static Builder builder(Scope scope, IdempotencyKey idempotencyKey) {
        return new Builder(scope, idempotencyKey);
    }

    /** Mutable builder for {@link PlaceOrderRequest}; not thread-safe. */
    public static final class Builder {
        private final Scope scope;
        private final IdempotencyKey key;
        private String customerRef = "anonymous";
        private String currency = "usd";
        private String paymentMethod = "pm_card_visa";
        private final List<OrderLine> lines = new ArrayList<>();
        private final Map<String, String> metadata = new TreeMap<>();

        private Builder(Scope scope, IdempotencyKey key) {
            this.scope = scope;
            this.key = key;
        }

        /**
         * Sets the customer reference (default {@code anonymous}).
         *
         * @param customerRef the reference
         * @return this builder
         */
        public Builder customerRef(String customerRef) {
            this.customerRef = customerRef;
            return this;
        }

        /**
         * Sets the currency (default {@code usd}).
         *
         * @param currency ISO-4217 code
         * @return this builder
         */
        public Builder currency(String currency) {
            this.currency = currency;
            return this;
        }

        /**
         * Sets the payment method token (default {@code pm_card_visa}).
         *
         * @param paymentMethod the token
         * @return this builder
         */
        public Builder paymentMethod(String paymentMethod) {
            this.paymentMethod = paymentMethod;
            return this;
        }

        /**
         * Adds a line.
         *
         * @param sku the SKU
         * @param quantity units
         * @param unitPriceMinor unit price in minor units
         * @return this builder
         */
        public Builder line(String sku, long quantity, long unitPriceMinor) {
            lines.add(new OrderLine(sku, quantity, unitPriceMinor));
            return this;
        }

        /**
         * Adds a metadata entry.
         *
         * @param key entry key
         * @param value entry value
         * @return this builder
         */
        public Builder metadata(String key, String value) {
            metadata.put(key, value);
            return this;
        }

        /**
         * Builds and validates the request.
         *
         * @return the request
         * @throws InvalidRequestException if a field is invalid
         */
        public PlaceOrderRequest build() {
            return new PlaceOrderRequest(scope, key, customerRef, currency, paymentMethod, lines, metadata);
        }
    }
}
