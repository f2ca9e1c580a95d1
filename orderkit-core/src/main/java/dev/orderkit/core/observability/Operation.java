package dev.orderkit.core.observability;

/**
 * An operation core times or observes through {@link Instrumentation#start(Operation)}. A closed,
 * small set: safe as a meter tag value.
 */
public enum Operation {
    /** {@code OrderService.place}: one call, from validation to the answer (a replay included). */
    PLACE("place", false),
    /** {@code OrderService.submit}: one call, from validation to the answer (accepted, finished or busy). */
    SUBMIT("submit", false),
    /** {@code StockLedger.reserve}, also the reserve step of a placement: all attempts of one call. */
    RESERVE("reserve", false),
    /** {@code PaymentPort.authorize}, with its retries. */
    AUTHORIZE("authorize", true),
    /** {@code PaymentPort.capture}, with its retries. */
    CAPTURE("capture", true),
    /** {@code PaymentPort.voidAuthorization} or {@code voidAuthorizationByKey}, with its retries. */
    VOID("void", true),
    /** {@code PaymentPort.refund}, with its retries. */
    REFUND("refund", true),
    /** One {@code OrderService.recover()} sweep. */
    RECOVER("recover", false),
    /** One {@code StockLedger.expireDue} run. */
    EXPIRE("expire", false),
    /** One {@code OrderKit.purge()} run. */
    PURGE("purge", false);

    private final String tagValue;
    private final boolean payment;

    Operation(String tagValue, boolean payment) {
        this.tagValue = tagValue;
        this.payment = payment;
    }

    /**
     * The operation's name as a meter tag or observation key value.
     *
     * @return the lower-case name, e.g. {@code "place"}
     */
    public String tagValue() {
        return tagValue;
    }

    /**
     * Whether this is a call of the payment gateway ({@code PaymentPort}).
     *
     * @return true for {@link #AUTHORIZE}, {@link #CAPTURE}, {@link #VOID} and {@link #REFUND}
     */
    public boolean isPayment() {
        return payment;
    }
}
