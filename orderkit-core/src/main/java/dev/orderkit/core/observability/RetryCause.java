package dev.orderkit.core.observability;

/** Why core's retry layer ran an attempt again ({@link Instrumentation#retried(RetryCause)}). */
public enum RetryCause {
    /** A lost optimistic race ({@code ConcurrencyConflictException}). */
    CONFLICT("conflict"),
    /** A transient backend failure ({@code BackendUnavailableException}). */
    BACKEND_UNAVAILABLE("backend_unavailable"),
    /** A transient gateway failure ({@code PaymentUnavailableException}). */
    PAYMENT_UNAVAILABLE("payment_unavailable");

    private final String tagValue;

    RetryCause(String tagValue) {
        this.tagValue = tagValue;
    }

    /**
     * The cause as a tag value.
     *
     * @return the lower-case name
     */
    public String tagValue() {
        return tagValue;
    }
}
