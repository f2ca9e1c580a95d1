package dev.orderkit.webhooks;

/** Names of the HTTP headers every webhook delivery carries. */
public final class WebhookHeaders {
    /**
     * {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">} with one {@code v1} per active
     * secret (two while a secret is rotated). Check it with {@link WebhookVerifier}.
     */
    public static final String SIGNATURE = "Orderkit-Signature";
    /** The stable event id: the same on every attempt and replay; receivers de-duplicate by it. */
    public static final String EVENT_ID = "Orderkit-Event-Id";
    /** The event type ({@code EventType} name). */
    public static final String EVENT_TYPE = "Orderkit-Event-Type";
    /** The delivery id ({@code <event id>@<subscription id>}). */
    public static final String DELIVERY_ID = "Orderkit-Delivery-Id";
    /** The attempt number of this request, from 1. */
    public static final String ATTEMPT = "Orderkit-Delivery-Attempt";

    private WebhookHeaders() {}
}
