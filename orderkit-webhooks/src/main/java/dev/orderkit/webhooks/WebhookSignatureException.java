package dev.orderkit.webhooks;

import dev.orderkit.core.OrderKitException;

/**
 * A webhook request failed verification: the signature header is missing or malformed, no
 * signature matches the body under any configured secret, or its timestamp is outside the
 * tolerance window (a replayed or delayed request). Answer such a request with {@code 400} and do
 * not process it. Not retryable.
 */
public class WebhookSignatureException extends OrderKitException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message why the request was rejected
     */
    public WebhookSignatureException(String message) {
        super(message);
    }
}
