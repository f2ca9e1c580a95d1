package dev.orderkit.core;

import dev.orderkit.core.internal.Check;
import java.util.Locale;

/**
 * An amount in minor units (cents) with an ISO-4217 currency code.
 *
 * @param minor amount in minor units, 0..10^15
 * @param currency three-letter currency code, stored lower-case (Stripe's convention)
 */
public record Money(long minor, String currency) {
    /** Largest allowed amount in minor units. */
    public static final long MAX_MINOR = 1_000_000_000_000_000L;

    /** Validates and normalises the amount. */
    public Money {
        Check.nonNegative(minor, "amount", MAX_MINOR);
        Check.notNull(currency, "currency");
        if (!isCurrencyCode(currency)) {
            throw new InvalidRequestException("currency", currency, "must be a three-letter ISO-4217 code");
        }
        currency = currency.toLowerCase(Locale.ROOT);
    }

    /** Three ASCII letters: what the pattern {@code [A-Za-z]{3}} matches, checked without a regex. */
    private static boolean isCurrencyCode(String s) {
        if (s.length() != 3) {
            return false;
        }
        for (int i = 0; i < 3; i++) {
            char c = s.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Creates an amount.
     *
     * @param minor minor units
     * @param currency currency code
     * @return the amount
     */
    public static Money of(long minor, String currency) {
        return new Money(minor, currency);
    }
}
