package dev.orderkit.stripe.internal;

import java.util.regex.Pattern;

/** Removes secrets from text that may reach logs or exception messages. Stateless, thread-safe. */
public final class Redaction {
    /** Stripe secret / restricted keys and webhook signing secrets, whatever the mode. */
    private static final Pattern SECRET = Pattern.compile("\\b(sk|rk|whsec)_[A-Za-z0-9_]+");

    private Redaction() {}

    /**
     * Replaces anything shaped like a Stripe secret with a marker.
     *
     * @param text text to clean
     * @return the cleaned text
     */
    public static String scrub(String text) {
        return SECRET.matcher(text).replaceAll("$1_[REDACTED]");
    }

    /**
     * Replaces every occurrence of the given secrets, then anything shaped like a Stripe secret.
     *
     * @param text text to clean
     * @param secrets exact secrets to remove
     * @return the cleaned text
     */
    public static String scrub(String text, Iterable<String> secrets) {
        String out = text;
        for (String s : secrets) {
            if (s != null && !s.isEmpty()) {
                out = out.replace(s, "[REDACTED]");
            }
        }
        return scrub(out);
    }
}
