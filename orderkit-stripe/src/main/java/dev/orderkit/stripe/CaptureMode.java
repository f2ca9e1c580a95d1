package dev.orderkit.stripe;

/** When the money of an authorized PaymentIntent is captured. */
public enum CaptureMode {
    /**
     * {@code capture_method=manual}: {@code authorize} only holds the funds; orderkit captures on
     * fulfilment and voids (cancels the PaymentIntent) on cancellation. The default.
     */
    MANUAL,
    /**
     * {@code capture_method=automatic}: {@code authorize} charges at once; {@code capture} becomes a
     * no-op check and {@code voidAuthorization} of an already charged PaymentIntent refunds it.
     */
    AUTOMATIC
}
