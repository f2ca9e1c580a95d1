package dev.orderkit.redis;

import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.StockLedger;
import dev.orderkit.core.spi.ClaimResult;
import dev.orderkit.core.spi.IdempotencyClaims;
import dev.orderkit.core.spi.ScopedKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClusterClient;

/**
 * One worker process of {@link RedisClusterMultiProcessTest}: claims idempotency keys shared with the
 * other processes, reserves hot SKUs (cross-slot lines) for the claimed keys, then commits,
 * fulfils, releases or lets the hold expire, and prints {@code EXEC key outcome} /
 * {@code SEEN key response} lines for the parent to check.
 *
 * <p>Arguments: cluster nodes, key prefix, worker index, duration ms, key count.
 */
public final class MultiProcessWorker {
    private static final int MIN_OPS = 200;
    private static final int SHARED_KEYS = 40;

    private MultiProcessWorker() {}

    static List<ReservationLine> linesFor(int key) {
        List<ReservationLine> lines = new ArrayList<>();
        lines.add(ReservationLine.of("hot-" + (key % 3), 1 + key % 2));
        if (key % 2 == 0) {
            lines.add(ReservationLine.of("hot-" + ((key + 1) % 3), 1));
        }
        lines.add(ReservationLine.of("cold-" + (key % 8), 1));
        return lines;
    }

    /**
     * Entry point.
     *
     * @param args see the class comment
     */
    public static void main(String[] args) {
        Set<HostAndPort> nodes = Arrays.stream(args[0].split(","))
                .map(HostAndPort::from)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        String prefix = args[1];
        int worker = Integer.parseInt(args[2]);
        long until = System.currentTimeMillis() + Long.parseLong(args[3]);
        int keyCount = Integer.parseInt(args[4]);
        try (RedisClusterClient client = RedisClusterClient.create(nodes)) {
            RedisBackend backend =
                    RedisBackend.builder().client(client).keyPrefix(prefix).build();
            OrderKit kit = OrderKit.builder()
                    .stockStorage(backend.stockStorage())
                    .idempotencyStore(backend.idempotencyStore())
                    .build();
            StockLedger ledger = kit.stock();
            IdempotencyClaims idem = new IdempotencyClaims(backend.idempotencyStore());
            Random rnd = new Random(worker * 7919L);
            int ops = 0;
            // at least MIN_OPS operations even when a loaded machine boots this JVM late, and one in
            // four on a small shared pool of keys, so keys always repeat within and across processes
            while (System.currentTimeMillis() < until || ops < MIN_OPS) {
                int key = rnd.nextInt(4) == 0 ? rnd.nextInt(SHARED_KEYS) : rnd.nextInt(keyCount);
                ScopedKey sk = ScopedKey.of("mp", "key-" + key);
                Instant now = Instant.now();
                // a fresh claimant (and resource id) per call, as core draws one per place call
                String claimant = "res-" + key + "-w" + worker + "-" + ops;
                ClaimResult claim = idem.claim(sk, "fp-" + key, claimant, now, Duration.ofSeconds(20));
                if (claim instanceof ClaimResult.Acquired a) {
                    String outcome;
                    try {
                        Reservation r = ledger.reserve(
                                new ReservationRequest(a.resourceId(), linesFor(key), Duration.ofSeconds(1)));
                        switch (key % 4) {
                            case 0 -> ledger.commit(r.id());
                            case 1 -> ledger.release(r.id());
                            case 2 -> {
                                ledger.commit(r.id());
                                ledger.fulfil(r.id());
                            }
                            default -> {
                                // left HELD: expires (lazily or by a sweeper)
                            }
                        }
                        outcome = "R:" + r.id();
                    } catch (InsufficientStockException e) {
                        outcome = "I";
                    }
                    idem.complete(
                            sk,
                            a.fencingToken(),
                            outcome,
                            Instant.now(),
                            Instant.now().plusSeconds(3600));
                    System.out.println("EXEC " + key + " " + outcome);
                } else if (claim instanceof ClaimResult.Completed c) {
                    System.out.println("SEEN " + key + " " + c.response());
                }
                if (++ops % 25 == 0) {
                    ledger.expireDue(1);
                }
            }
            System.out.println("DONE " + worker + " " + ops);
        }
    }
}
