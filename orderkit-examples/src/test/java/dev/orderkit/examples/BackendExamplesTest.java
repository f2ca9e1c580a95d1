package dev.orderkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.memory.InMemoryOrderStore;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.testkit.TestServices;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

class BackendExamplesTest {

    @Test
    void redisTemplatePlacesAndReplaysAgainstRealRedis() throws InterruptedException {
        String url = TestServices.resolve("redis", "ORDERKIT_TEST_REDIS_URL", 6379, "redis://127.0.0.1:6379", null);
        String prefix = TestServices.uniqueName("okex") + ":";
        try (UnifiedJedis jedis = RedisClient.create(URI.create(url))) {
            try {
                List<OrderKitEvent> events = new CopyOnWriteArrayList<>();
                try (OrderKit kit = RedisExample.redisKit(
                        jedis,
                        prefix,
                        new InMemoryOrderStore(EventSink.discarding()),
                        events::add,
                        new SimulatedPaymentPort())) {
                    kit.stock().adjust(StockKey.of("tee"), 1, "init");
                    PlaceOrderRequest req = PlaceOrderRequest.builder(Scope.of("shop1"), IdempotencyKey.of("k1"))
                            .line("tee", 1, 500)
                            .build();
                    assertThat(kit.orders().place(req).outcome()).isEqualTo(PlacementOutcome.PLACED);
                    assertThat(kit.orders().place(req).replayed()).isTrue();
                    assertThat(kit.stock()
                                    .level(StockKey.of("tee"))
                                    .orElseThrow()
                                    .available())
                            .isZero();
                    // the stock events recorded by the Redis scripts reach the sink (background outbox round)
                    long deadline = System.nanoTime() + 30_000_000_000L;
                    while (events.stream().noneMatch(e -> e.type() == EventType.RESERVATION_COMMITTED)
                            && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    assertThat(events)
                            .extracting(OrderKitEvent::type)
                            .contains(
                                    EventType.STOCK_ADJUSTED,
                                    EventType.STOCK_RESERVED,
                                    EventType.RESERVATION_COMMITTED);
                }
            } finally {
                Set<String> keys = jedis.keys(prefix + "*");
                if (!keys.isEmpty()) {
                    jedis.del(keys.toArray(String[]::new));
                }
            }
        }
    }

    @Test
    void stripeWebhookEndpointVerifiesSignatures() throws Exception {
        String secret = "whsec_test_example";
        HttpServer server = StripeExample.stripeKitWithWebhooks("sk_test_example", secret, 0);
        try {
            int port = server.getAddress().getPort();
            String payload = "{\"id\":\"evt_1\",\"object\":\"event\",\"type\":\"customer.created\","
                    + "\"data\":{\"object\":{\"id\":\"cus_1\",\"object\":\"customer\"}}}";
            long t = System.currentTimeMillis() / 1000;
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            String sig = HexFormat.of().formatHex(mac.doFinal((t + "." + payload).getBytes(StandardCharsets.UTF_8)));
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest.Builder base = HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/stripe/webhook"))
                    .POST(HttpRequest.BodyPublishers.ofString(payload));
            int good = http.send(
                            base.copy()
                                    .header("Stripe-Signature", "t=" + t + ",v1=" + sig)
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
            int bad = http.send(
                            base.copy()
                                    .header("Stripe-Signature", "t=" + t + ",v1=" + "0".repeat(64))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
            assertThat(good).isEqualTo(200); // unknown event types are acknowledged and ignored
            assertThat(bad).isEqualTo(400);
        } finally {
            server.stop(0);
        }
    }
}
