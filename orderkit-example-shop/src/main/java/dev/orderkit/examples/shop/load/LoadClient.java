package dev.orderkit.examples.shop.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Places orders against a running shop service as fast as N client threads can, each with a unique
 * Idempotency-Key, for a fixed time after a warm-up, and prints orders/s and latency percentiles.
 *
 * <pre>
 * ./mvnw -q -pl orderkit-example-shop exec:java -Dshop.main=dev.orderkit.examples.shop.load.LoadClient \
 *     -Dexec.args="--url http://127.0.0.1:8080 --threads 16 --seconds 20"
 * </pre>
 *
 * Options: {@code --url}, {@code --api-key} (default: the template's acme key), {@code --threads}
 * (16), {@code --seconds} (20), {@code --warmup} (5 seconds), {@code --quantity} (1 unit per order),
 * {@code --skus} (1: every order buys the same hot SKU, the worst case for row contention; N: each
 * order buys one of N SKUs at random). It creates its own SKUs with enough stock. Every answer other than 201 is counted by status.
 */
public final class LoadClient {
    private LoadClient() {}

    /** One worker's results. */
    private static final class Tally {
        long[] latencies = new long[1 << 14];
        int count;
        final Map<Integer, Integer> statuses = new TreeMap<>();

        void record(long nanos) {
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = nanos;
        }
    }

    /**
     * Runs the load.
     *
     * @param args the options
     * @throws Exception if the service cannot be reached
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        String url = o.getOrDefault("url", "http://127.0.0.1:8080");
        String apiKey = o.getOrDefault("api-key", "sk_test_acme_change_me");
        int threads = Integer.parseInt(o.getOrDefault("threads", "16"));
        int seconds = Integer.parseInt(o.getOrDefault("seconds", "20"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "5"));
        int quantity = Integer.parseInt(o.getOrDefault("quantity", "1"));
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        int skuCount = Integer.parseInt(o.getOrDefault("skus", "1"));
        String run = "load-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> skus = new ArrayList<>();
        for (int i = 0; i < skuCount; i++) {
            String sku = run + "-" + i;
            HttpResponse<String> stocked = client.send(
                    HttpRequest.newBuilder(URI.create(url + "/v1/inventory/" + sku))
                            .header("Authorization", "Bearer " + apiKey)
                            .header("Content-Type", "application/json")
                            .header("If-None-Match", "*")
                            .PUT(HttpRequest.BodyPublishers.ofString("{\"onHand\":1000000000}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (stocked.statusCode() != 200) {
                throw new IllegalStateException(
                        "could not stock " + sku + ": " + stocked.statusCode() + " " + stocked.body());
            }
            skus.add(sku);
        }
        System.out.printf(
                Locale.ROOT,
                "load: %s, %d threads, %d s warm-up + %d s measured, %d SKU(s) %s-*%n",
                url,
                threads,
                warmup,
                seconds,
                skuCount,
                run);
        run(client, url, apiKey, skus, quantity, threads, warmup * 1_000_000_000L, false);
        long start = System.nanoTime();
        List<Tally> tallies = run(client, url, apiKey, skus, quantity, threads, seconds * 1_000_000_000L, true);
        double elapsed = (System.nanoTime() - start) / 1e9;
        report(tallies, elapsed);
    }

    private static List<Tally> run(
            HttpClient client,
            String url,
            String apiKey,
            List<String> skus,
            int quantity,
            int threads,
            long nanos,
            boolean measured)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long end = System.nanoTime() + nanos;
        List<Future<Tally>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                Tally tally = new Tally();
                while (System.nanoTime() < end) {
                    String sku = skus.get(ThreadLocalRandom.current().nextInt(skus.size()));
                    String body = "{\"customerRef\":\"load\",\"currency\":\"EUR\",\"paymentMethod\":\"pm_card_visa\","
                            + "\"lines\":[{\"sku\":\"" + sku + "\",\"quantity\":" + quantity
                            + ",\"unitPriceMinor\":1000}]}";
                    HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/v1/orders"))
                            .header("Authorization", "Bearer " + apiKey)
                            .header("Content-Type", "application/json")
                            .header("Idempotency-Key", UUID.randomUUID().toString())
                            .timeout(Duration.ofSeconds(30))
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build();
                    long t0 = System.nanoTime();
                    int status;
                    try {
                        status = client.send(request, HttpResponse.BodyHandlers.discarding())
                                .statusCode();
                    } catch (IOException e) {
                        status = -1;
                    }
                    long took = System.nanoTime() - t0;
                    if (status == 201) {
                        tally.record(took);
                    }
                    tally.statuses.merge(status, 1, Integer::sum);
                }
                return tally;
            }));
        }
        List<Tally> out = new ArrayList<>();
        for (Future<Tally> f : futures) {
            out.add(f.get());
        }
        pool.shutdown();
        if (!measured) {
            System.out.println("load: warm-up done");
        }
        return out;
    }

    private static void report(List<Tally> tallies, double elapsed) {
        int n = tallies.stream().mapToInt(t -> t.count).sum();
        long[] all = new long[n];
        int i = 0;
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (Tally t : tallies) {
            System.arraycopy(t.latencies, 0, all, i, t.count);
            i += t.count;
            t.statuses.forEach((k, v) -> statuses.merge(k, v, Integer::sum));
        }
        Arrays.sort(all);
        System.out.printf(Locale.ROOT, "load: statuses %s (-1: I/O error)%n", statuses);
        System.out.printf(
                Locale.ROOT,
                "load: %d orders in %.1f s = %.0f orders/s; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                n,
                elapsed,
                n / elapsed,
                percentile(all, 0.50),
                percentile(all, 0.99),
                n == 0 ? 0.0 : all[n - 1] / 1e6);
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new TreeMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--help")) {
                System.out.println("options: --url --api-key --threads --seconds --warmup --quantity --skus");
                System.exit(0);
            }
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            out.put(args[i].substring(2), args[++i]);
        }
        return out;
    }
}
