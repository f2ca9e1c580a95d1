package dev.orderkit.core.internal;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.CombinerStats;
import dev.orderkit.core.Combining;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.spi.ReserveCommand;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StockStorage;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Hot-SKU combining (flat combining / group commit) in front of {@link StockStorage#reserve}: one
 * lane per stock key for reservations whose lines touch exactly that one key (the flash-sale case;
 * a reservation of several keys goes straight to the storage). Where one batch call costs one round
 * trip whatever keys it touches ({@link StockStorage#reserveAllSpansKeys()}: one script on one
 * Redis server), every reservation, of any keys and lines, queues in one of {@link #SHARED_LANES}
 * lanes shared by all keys instead.
 *
 * <p>A caller that finds its lane idle marks it busy and calls {@code reserve} itself: no added
 * latency when nobody else is reserving the key. A caller that finds it busy queues and parks
 * (no spinning). When the busy caller is done it hands the lane on: the first queued caller becomes
 * the leader of the next batch, with up to {@code maxBatch} queued callers in arrival order; it
 * applies them with one {@link StockStorage#reserveAll} (a batch of one with {@code reserve}), hands
 * the lane on again, and completes every member with its own answer. Callers queued while a batch
 * runs form the next one, so batches grow with contention.
 *
 * <p>If the batch call throws, every member (leader included) re-runs its own command with a
 * single {@code reserve}: one that the failed batch applied is found there as {@code AlreadyExists}
 * (idempotent on the id), which the ledger treats as held. An {@link Error} of the batch call is
 * rethrown to the leader after the others were sent to their fallback. Every member is completed
 * exactly once, so no caller loses its answer or gets two.
 *
 * <p>Never used inside a unit of work ({@link Retries#inUnit()}): a reservation inside a backend
 * step transaction must commit with that transaction, which one leader's batch transaction cannot.
 * Lanes are found in a map bounded by {@link #MAX_LANES} (cleared when full; a caller already in a
 * cleared lane finishes there, correctness never depends on one lane per key). Thread-safe.
 */
public final class ReservationCombiner {
    static final int MAX_LANES = 10_000;
    /**
     * Lanes shared by all keys where the storage's batch spans keys: two batches in flight, so the
     * server applies one while the leader of the other encodes or decodes its round trip. Measured
     * (Redis standalone, 64 threads, 1 line, RedisBenchmark paired with the per-key lanes): hot SKU
     * 38-42k to 48-50k reservations/s, spread SKUs 25-27k to 32-34k; 3 or 4 lanes measured no better.
     */
    static final int SHARED_LANES = 2;

    private static final int WAITING = 0;
    private static final int LEAD = 1;
    private static final int DONE = 2;
    private static final int ALONE = 3;

    private final StockStorage storage;
    private final boolean enabled;
    private final int maxBatch;
    private final ConcurrentHashMap<StockKey, Lane> lanes = new ConcurrentHashMap<>();
    /** The shared lanes when the storage's batch spans keys; null: one lane per key. */
    private final Lane @Nullable [] shared;

    private final LongAdder calls = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder batchedMembers = new LongAdder();
    private final LongAdder fallbacks = new LongAdder();
    private final AtomicInteger largest = new AtomicInteger();

    /**
     * Creates the combiner of a kit.
     *
     * @param storage the stock storage
     * @param settings whether to combine and the batch bound (capped by the storage's own limit)
     */
    public ReservationCombiner(StockStorage storage, Combining settings) {
        this.storage = storage;
        this.enabled = settings.enabled();
        int limit = storage.reserveBatchLimit();
        this.maxBatch = limit > 1 ? Math.min(settings.maxBatch(), limit) : settings.maxBatch();
        if (storage.reserveAllSpansKeys()) {
            shared = new Lane[SHARED_LANES];
            for (int i = 0; i < SHARED_LANES; i++) {
                shared[i] = new Lane();
            }
        } else {
            shared = null;
        }
    }

    /**
     * Like {@link StockStorage#reserve}, combined with concurrent reservations of the same single key.
     *
     * @param reservationId reservation id
     * @param lines canonical lines
     * @param expiresAt hold expiry
     * @param now current time
     * @return this call's own answer
     */
    public ReserveResult reserve(String reservationId, List<AllocatedLine> lines, Instant expiresAt, Instant now) {
        Lane @Nullable [] sharedLanes = shared;
        if (!enabled || (sharedLanes == null && lines.size() != 1) || Retries.inUnit()) {
            return storage.reserve(reservationId, lines, expiresAt, now);
        }
        calls.increment();
        Lane lane =
                sharedLanes != null ? idleOrAny(sharedLanes) : lane(lines.get(0).key());
        Member queued = lane.enter(reservationId, lines, expiresAt, now);
        if (queued == null) {
            try {
                return storage.reserve(reservationId, lines, expiresAt, now);
            } finally {
                lane.handOff();
            }
        }
        int state = queued.await();
        if (state == DONE) {
            return queued.result();
        }
        if (state == ALONE) {
            fallbacks.increment();
            return storage.reserve(reservationId, lines, expiresAt, now);
        }
        return lead(lane, queued);
    }

    /**
     * The counters so far.
     *
     * @return a snapshot
     */
    public CombinerStats stats() {
        return new CombinerStats(calls.sum(), batches.sum(), batchedMembers.sum(), largest.get(), fallbacks.sum());
    }

    /**
     * A shared lane: the first idle one from a random start (the caller then runs alone at once, as
     * on an idle per-key lane), else the one at the start, where the caller queues. A key's
     * reservations may therefore sit in different lanes: concurrent callers race as they would
     * without combining, and each lane still applies its own queue in arrival order.
     */
    private static Lane idleOrAny(Lane[] sharedLanes) {
        int n = sharedLanes.length;
        int start = ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            Lane l = sharedLanes[(start + i) % n];
            if (l.idle()) {
                return l;
            }
        }
        return sharedLanes[start];
    }

    private Lane lane(StockKey key) {
        Lane lane = lanes.get(key);
        if (lane != null) {
            return lane;
        }
        if (lanes.size() >= MAX_LANES) {
            lanes.clear();
        }
        return lanes.computeIfAbsent(key, k -> new Lane());
    }

    /** Runs the batch this member leads; the lane is busy on its behalf until it hands it on. */
    private ReserveResult lead(Lane lane, Member leader) {
        List<Member> batch = leader.batch;
        ReserveCommand own = leader.command;
        int n = batch.size();
        if (n == 1) {
            try {
                return storage.reserve(own.reservationId(), own.lines(), own.expiresAt(), own.now());
            } finally {
                lane.handOff();
            }
        }
        batches.increment();
        batchedMembers.add(n);
        largest.accumulateAndGet(n, Math::max);
        List<ReserveCommand> commands = new ArrayList<>(n);
        for (Member m : batch) {
            commands.add(m.command);
        }
        List<ReserveResult> results;
        try {
            results = checked(storage.reserveAll(commands), n);
        } catch (RuntimeException | Error e) {
            lane.handOff();
            for (int i = 1; i < n; i++) {
                batch.get(i).complete(ALONE, null);
            }
            if (e instanceof Error err) {
                throw err;
            }
            fallbacks.increment();
            return storage.reserve(own.reservationId(), own.lines(), own.expiresAt(), own.now());
        }
        lane.handOff();
        for (int i = 1; i < n; i++) {
            batch.get(i).complete(DONE, results.get(i));
        }
        return results.get(0);
    }

    /** A storage answering the wrong number of results (or a null) broke the SPI: the batch failed. */
    private static List<ReserveResult> checked(@Nullable List<ReserveResult> results, int n) {
        if (results == null || results.size() != n || results.contains(null)) {
            throw new BackendUnavailableException(
                    "reserveAll answered " + (results == null ? "null" : results.size() + " results") + " for " + n
                            + " commands",
                    null);
        }
        return results;
    }

    /** The queue of one stock key. */
    private final class Lane {
        /**
         * A caller (direct or a batch's leader) is applying reservations of this lane. Written under
         * the lane's monitor; volatile so that {@link #idle()} reads it without taking the monitor.
         */
        private volatile boolean busy;

        private final ArrayDeque<Member> queue = new ArrayDeque<>();

        /** Whether no caller is applying reservations in this lane (a hint: {@link #enter} decides). */
        boolean idle() {
            return !busy;
        }

        /** Marks the lane busy and answers null (the caller runs alone), or queues the caller. */
        synchronized @Nullable Member enter(
                String reservationId, List<AllocatedLine> lines, Instant expiresAt, Instant now) {
            if (!busy) {
                busy = true;
                return null;
            }
            Member m = new Member(new ReserveCommand(reservationId, lines, expiresAt, now));
            queue.addLast(m);
            return m;
        }

        /** The busy caller is done: the first queued caller leads the next batch, or the lane goes idle. */
        void handOff() {
            Member leader;
            synchronized (this) {
                leader = queue.pollFirst();
                if (leader == null) {
                    busy = false;
                    return;
                }
                int n = Math.min(queue.size(), maxBatch - 1);
                List<Member> batch = new ArrayList<>(n + 1);
                batch.add(leader);
                for (int i = 0; i < n; i++) {
                    batch.add(queue.pollFirst());
                }
                leader.batch = batch;
            }
            leader.complete(LEAD, null);
        }
    }

    /** A queued caller: parks until it leads a batch, has its answer, or must run alone. */
    private static final class Member {
        final ReserveCommand command;
        final Thread thread = Thread.currentThread();
        /** Set before {@link #state} becomes LEAD (the volatile write publishes it). */
        List<Member> batch = List.of();

        private @Nullable ReserveResult result;
        private volatile int state = WAITING;

        Member(ReserveCommand command) {
            this.command = command;
        }

        void complete(int to, @Nullable ReserveResult r) {
            result = r;
            state = to;
            LockSupport.unpark(thread);
        }

        /** Parks until completed; an interrupt is kept for the caller (the answer must not be lost). */
        int await() {
            boolean interrupted = false;
            int s;
            while ((s = state) == WAITING) {
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return s;
        }

        ReserveResult result() {
            ReserveResult r = result;
            if (r == null) {
                throw new IllegalStateException("a completed member has its answer");
            }
            return r;
        }
    }
}
