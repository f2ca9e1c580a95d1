package dev.orderkit.faults;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderLine;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.Scope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a fault-suite worker JVM needs to open the shared backends of one run, passed on its
 * command line as {@code name=value} arguments, plus the workload every process derives from a
 * key: the payload of key {@code k-<n>} is a pure function of {@code n}, so the same key sent from
 * several processes carries the same payload, and a deliberate reuse changes one quantity.
 *
 * @param scenario the scenario's name (for logs)
 * @param stock where stock and idempotency keys live
 * @param ordersUrl JDBC URL of the database holding the orders (and, for SQL scenarios, everything)
 * @param gatewayUrl JDBC URL (PostgreSQL) of the simulated gateway's durable ledger and call log
 * @param prefix table and key prefix of the run
 * @param redis {@code host:port} of the suite's own Redis, or the cluster's node list; {@code -} for none
 * @param atomicPhases whether placement steps commit with their recovery point ({@code stepTransactions})
 * @param lostCommitRate fraction of the kit's data-changing COMMITs that succeed but report a lost
 *     connection (0 for none)
 * @param keys size of the shared key space
 * @param skus number of SKUs
 */
record FaultConfig(
        String scenario,
        Store stock,
        String ordersUrl,
        String gatewayUrl,
        String prefix,
        String redis,
        boolean atomicPhases,
        double lostCommitRate,
        int keys,
        int skus) {

    /** Scope of every order of the suite. */
    static final Scope SCOPE = Scope.of("faults");

    /** Where stock and keys live. */
    enum Store {
        /** Everything in PostgreSQL. */
        POSTGRES,
        /** Everything in MariaDB. */
        MARIADB,
        /** Stock and keys on the suite's own standalone Redis (restarted mid-run); orders in PostgreSQL. */
        OWNED_REDIS,
        /** Stock and keys on the shared Redis Cluster; orders in PostgreSQL. */
        REDIS_CLUSTER;

        boolean redis() {
            return this == OWNED_REDIS || this == REDIS_CLUSTER;
        }
    }

    /**
     * The command-line form.
     *
     * @return {@code name=value} arguments
     */
    List<String> toArgs() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("scenario", scenario);
        m.put("stock", stock.name());
        m.put("ordersUrl", ordersUrl);
        m.put("gatewayUrl", gatewayUrl);
        m.put("prefix", prefix);
        m.put("redis", redis);
        m.put("atomicPhases", Boolean.toString(atomicPhases));
        m.put("lostCommitRate", Double.toString(lostCommitRate));
        m.put("keys", Integer.toString(keys));
        m.put("skus", Integer.toString(skus));
        List<String> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    /**
     * Parses {@link #toArgs()} (extra {@code name=value} pairs are returned in {@code rest}).
     *
     * @param args the arguments
     * @param rest receives the pairs that are not part of the config
     * @return the config
     */
    static FaultConfig parse(String[] args, Map<String, String> rest) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            m.put(a.substring(0, eq), a.substring(eq + 1));
        }
        FaultConfig c = new FaultConfig(
                m.remove("scenario"),
                Store.valueOf(m.remove("stock")),
                m.remove("ordersUrl"),
                m.remove("gatewayUrl"),
                m.remove("prefix"),
                m.remove("redis"),
                Boolean.parseBoolean(m.remove("atomicPhases")),
                Double.parseDouble(m.remove("lostCommitRate")),
                Integer.parseInt(m.remove("keys")),
                Integer.parseInt(m.remove("skus")));
        rest.putAll(m);
        return c;
    }

    /**
     * The SKU of an index.
     *
     * @param i 0 .. skus - 1
     * @return the SKU
     */
    static String sku(int i) {
        return "SKU-" + i;
    }

    /**
     * The key of an index.
     *
     * @param n key index
     * @return {@code k-<n>}
     */
    static String key(int n) {
        return "k-" + n;
    }

    /**
     * The key index of a key.
     *
     * @param key {@code k-<n>}
     * @return n, or -1 if the key is not of the suite
     */
    static int keyIndex(String key) {
        if (!key.startsWith("k-")) {
            return -1;
        }
        try {
            return Integer.parseInt(key.substring(2));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The lines of key {@code n}'s payload: 1–3 units of one SKU, every fifth key one more line
     * (all-or-nothing across two SKUs); a reuse asks for one more unit on the first line.
     *
     * @param n key index
     * @param reuse whether this is the deliberate reuse with another payload
     * @return the lines
     */
    List<OrderLine> lines(int n, boolean reuse) {
        List<OrderLine> lines = new ArrayList<>();
        lines.add(new OrderLine(sku(n % skus), 1 + (n % 3) + (reuse ? 1 : 0), 1000 + n));
        if (n % 5 == 0) {
            lines.add(new OrderLine(sku((n + 1) % skus), 1, 500));
        }
        return lines;
    }

    /**
     * The request of key {@code n}: every third key of eleven is paid with a card the gateway
     * declines.
     *
     * @param n key index
     * @param reuse whether this is the deliberate reuse with another payload
     * @return the request
     */
    PlaceOrderRequest request(int n, boolean reuse) {
        PlaceOrderRequest.Builder b = PlaceOrderRequest.builder(SCOPE, IdempotencyKey.of(key(n)))
                .customerRef("cust-" + n)
                .currency("eur")
                .paymentMethod(n % 11 == 3 ? "pm_decline_card" : "pm_card_visa");
        for (OrderLine l : lines(n, reuse)) {
            b.line(l.sku(), l.quantity(), l.unitPriceMinor());
        }
        return b.build();
    }
}
