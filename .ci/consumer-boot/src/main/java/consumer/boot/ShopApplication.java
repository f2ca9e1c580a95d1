package consumer.boot;

import dev.orderkit.core.OrderKit;
import dev.orderkit.core.StockKey;
import dev.orderkit.jdbc.JdbcBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

/** Starts the app on a random port, places one order over HTTP, checks the replay and the missing-key answer, and stops. */
@SpringBootApplication
public class ShopApplication {
    public static void main(String[] args) throws Exception {
        try (ConfigurableApplicationContext ctx =
                SpringApplication.run(ShopApplication.class, "--server.port=0", "--server.address=127.0.0.1")) {
            OrderKit kit = ctx.getBean(OrderKit.class);
            kit.stock().adjust(StockKey.of("tee"), 3, "restock");
            int port = Integer.parseInt(ctx.getBean(Environment.class).getProperty("local.server.port", "0"));
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/checkout/tee"))
                    .header("Idempotency-Key", "consumer-1")
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build();
            HttpResponse<String> first = http.send(req, HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> again = http.send(req, HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> noKey = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/checkout/tee"))
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            long left = kit.stock().level(StockKey.of("tee")).orElseThrow().available();
            boolean ok = first.statusCode() == 201
                    && first.body().startsWith("PLACED ")
                    && again.statusCode() == 201
                    && again.body().equals(first.body())
                    && "true".equals(again.headers().firstValue("Idempotent-Replayed").orElse(""))
                    && noKey.statusCode() == 400
                    && noKey.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json")
                    && left == 2
                    && "shop_".equals(ctx.getBean(JdbcBackend.class).tablePrefix());
            System.out.println("consumer-boot-check: " + (ok ? "OK" : "FAILED") + " (" + first.statusCode() + " "
                    + first.body() + "; replay " + again.statusCode() + " "
                    + again.headers().firstValue("Idempotent-Replayed").orElse("-") + "; no key " + noKey.statusCode()
                    + "; stock left " + left + ")");
            if (!ok) {
                throw new IllegalStateException("the Spring Boot consumer check failed");
            }
        }
    }
}
