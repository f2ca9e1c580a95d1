package dev.orderkit.stripe.internal;

import com.stripe.exception.ApiConnectionException;
import com.stripe.net.HttpHeaders;
import com.stripe.net.HttpURLConnectionClient;
import com.stripe.net.StripeRequest;
import com.stripe.net.StripeResponse;

/**
 * stripe-java's default HTTP client, remembering the headers of the last response received on the
 * calling thread. stripe-java's exceptions do not expose response headers, so this is how the port
 * reads {@code Retry-After} on a 429 and {@code Idempotent-Replayed} on any answer.
 *
 * <p>Thread-safe: the remembered headers are thread-confined (one instance per port).
 */
public final class CapturingHttpClient extends HttpURLConnectionClient {
    private final ThreadLocal<HttpHeaders> last = new ThreadLocal<>();

    /** Creates the client. */
    public CapturingHttpClient() {}

    @Override
    public StripeResponse request(StripeRequest request) throws ApiConnectionException {
        last.remove();
        StripeResponse response = super.request(request);
        last.set(response.headers());
        return response;
    }

    /**
     * Takes (and forgets) the headers of the last response received on this thread.
     *
     * @return the headers, or {@code null} if no response arrived (connection failure)
     */
    public HttpHeaders takeLastHeaders() {
        HttpHeaders h = last.get();
        last.remove();
        return h;
    }

    /** Forgets any remembered headers of this thread. */
    public void clear() {
        last.remove();
    }
}
