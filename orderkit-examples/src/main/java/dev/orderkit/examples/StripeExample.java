package dev.orderkit.examples;

import com.sun.net.httpserver.HttpServer;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.memory.InMemoryInboxStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.stripe.CaptureMode;
import dev.orderkit.stripe.StripePaymentPort;
import dev.orderkit.stripe.StripeWebhookHandler;
import dev.orderkit.stripe.WebhookOutcome;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;

/** Template: Stripe payments and a webhook endpoint on the JDK HTTP server. */
public final class StripeExample {
    private StripeExample() {}

    /**
     * Builds a Stripe-backed kit and serves its webhook endpoint.
     *
     * @param apiKey Stripe secret key (never logged)
     * @param webhookSecret the endpoint's signing secret ({@code whsec_...})
     * @param port local port for the webhook endpoint
     * @return the running server (stop it with {@code server.stop(0)})
     * @throws IOException if the port cannot be bound
     */
    public static HttpServer stripeKitWithWebhooks(String apiKey, String webhookSecret, int port) throws IOException {
        // README:stripe
        StripePaymentPort stripe = StripePaymentPort.builder()
                .apiKey(apiKey)
                .captureMode(CaptureMode.MANUAL) // authorize at checkout, capture on fulfil
                .readTimeout(Duration.ofSeconds(20))
                .build();
        OrderKit kit = OrderKit.builder().paymentPort(stripe).build();

        // de-duplicates deliveries by event id; with several instances share a durable one:
        // jdbcBackend.inboxStore() or redisBackend.inboxStore()
        InboxStore inbox = new InMemoryInboxStore();
        StripeWebhookHandler webhooks = StripeWebhookHandler.builder(kit.orders())
                .signingSecret(webhookSecret) // call again with the new secret while rotating
                .inbox(inbox)
                .paymentPort(stripe)
                .build();

        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/stripe/webhook", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                WebhookOutcome outcome = webhooks.handle(
                        body.readAllBytes(), exchange.getRequestHeaders().getFirst("Stripe-Signature"));
                exchange.sendResponseHeaders(outcome.httpStatus(), -1);
            } catch (RuntimeException e) {
                exchange.sendResponseHeaders(503, -1); // Stripe redelivers later
            } finally {
                exchange.close();
            }
        });
        server.start();
        // END
        return server;
    }
}
