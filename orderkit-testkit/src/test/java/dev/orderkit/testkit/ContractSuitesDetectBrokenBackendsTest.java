package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.Movement;
import dev.orderkit.core.MovementReason;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderFilter;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.StockPolicy;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.memory.InMemoryIdempotencyStore;
import dev.orderkit.core.memory.InMemoryInboxStore;
import dev.orderkit.core.memory.InMemoryOrderStore;
import dev.orderkit.core.memory.InMemoryStockStorage;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.ExtendResult;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.KeyRecord;
import dev.orderkit.core.spi.LevelAudit;
import dev.orderkit.core.spi.OrderPosition;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.PositionedMovement;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.ScopedKey;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.core.spi.TransitionResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Proves the contract suites can fail: each runs against a backend with one deliberately planted
 * bug (by delegation to the in-memory reference) and must report the tests that catch it.
 */
class ContractSuitesDetectBrokenBackendsTest {

    /**
     * Runs one contract subclass and returns the names of its failed tests (legacy reporting names,
     * plus the display name of a failed parameterized invocation).
     */
    private static List<String> failuresOf(Class<?> suite) {
        List<String> failed = new CopyOnWriteArrayList<>();
        List<String> passed = new CopyOnWriteArrayList<>();
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(suite))
                .build();
        LauncherFactory.create().execute(request, new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (id.isTest()) {
                    String name = id.getLegacyReportingName();
                    if (result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
                        passed.add(name);
                    } else {
                        failed.add(name);
                        if (!id.getDisplayName().equals(name)) {
                            failed.add(id.getDisplayName()); // a parameterized invocation: its row
                        }
                    }
                }
            }
        });
        assertThat(passed.size() + failed.size())
                .as("tests run by " + suite.getSimpleName())
                .isPositive();
        return failed;
    }

    private static BackendFixture fixture(StockStorage s, IdempotencyStore k, OrderStore o) {
        return new BackendFixture() {
            @Override
            public StockStorage stockStorage() {
                return s;
            }

            @Override
            public IdempotencyStore idempotencyStore() {
                return k;
            }

            @Override
            public OrderStore orderStore() {
                return o;
            }
        };
    }

    private static BackendFixture withStock(Supplier<StockStorage> s) {
        return fixture(s.get(), new InMemoryIdempotencyStore(), new InMemoryOrderStore(EventSink.discarding()));
    }

    // ------------------------------------------------------------------ planted bugs

    /** Forwards every call; subclasses break one. */
    abstract static class ForwardingStock implements StockStorage {
        final InMemoryStockStorage d = new InMemoryStockStorage();

        @Override
        public List<StockLevel> levels(String sku) {
            return d.levels(sku);
        }

        @Override
        public Optional<StockLevel> level(StockKey key) {
            return d.level(key);
        }

        @Override
        public StockLevel setPolicy(StockKey key, StockPolicy policy, String reference, Instant now) {
            return d.setPolicy(key, policy, reference, now);
        }

        @Override
        public ReserveResult reserve(String id, List<AllocatedLine> lines, Instant expiresAt, Instant now) {
            return d.reserve(id, lines, expiresAt, now);
        }

        @Override
        public Optional<Reservation> reservation(String id) {
            return d.reservation(id);
        }

        @Override
        public TransitionResult transition(String id, ReservationTransition transition, Instant now) {
            return d.transition(id, transition, now);
        }

        @Override
        public List<String> dueReservations(Instant now, int limit) {
            return d.dueReservations(now, limit);
        }

        @Override
        public List<String> dueReservations(Collection<String> skus, Instant now, int limitPerSku) {
            return d.dueReservations(skus, now, limitPerSku);
        }

        @Override
        public StockLevel adjust(StockKey key, long delta, String reference, Instant now) {
            return d.adjust(key, delta, reference, now);
        }

        @Override
        public StockLevel setOnHand(StockKey key, long onHand, long v, String reference, Instant now) {
            return d.setOnHand(key, onHand, v, reference, now);
        }

        @Override
        public List<StockLevel> allLevels() {
            return d.allLevels();
        }

        @Override
        public List<Reservation> reservations(Set<ReservationState> states) {
            return d.reservations(states);
        }

        @Override
        public List<Movement> movements(StockKey key) {
            return d.movements(key);
        }

        @Override
        public int purgeReservations(Instant olderThan, int limit) {
            return d.purgeReservations(olderThan, limit);
        }

        @Override
        public int compactMovements(Instant olderThan, int limit) {
            return d.compactMovements(olderThan, limit);
        }

        @Override
        public ExtendResult extend(String id, Instant newExpiry, Instant now) {
            return d.extend(id, newExpiry, now);
        }

        @Override
        public List<PositionedMovement> movements(StockKey key, long afterPosition, int limit) {
            return d.movements(key, afterPosition, limit);
        }

        @Override
        public List<LevelAudit> audit(List<StockKey> keys) {
            return d.audit(keys);
        }
    }

    /** Bug: an extension that ignores the hold's expiry: a due hold is revived. */
    static final class RevivingExtend extends ForwardingStock {
        @Override
        public ExtendResult extend(String id, Instant newExpiry, Instant now) {
            return d.extend(id, newExpiry, Instant.EPOCH);
        }
    }

    /** Bug: an extension that answers Extended but writes nothing. */
    static final class ForgetfulExtend extends ForwardingStock {
        @Override
        public ExtendResult extend(String id, Instant newExpiry, Instant now) {
            Optional<Reservation> r = d.reservation(id);
            if (r.isEmpty()) {
                return new ExtendResult.NotFound(id);
            }
            ExtendResult decided = ExtendResult.decide(r.get(), newExpiry, now);
            return decided != null ? decided : new ExtendResult.Extended(r.get().withExpiry(newExpiry));
        }
    }

    static final class RevivingExtendHolds extends HoldExtensionContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(RevivingExtend::new);
        }
    }

    static final class ForgetfulExtendHolds extends HoldExtensionContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(ForgetfulExtend::new);
        }
    }

    static final class BlindBatchExpiryHolds extends HoldExtensionContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(BlindBatchExpiry::new);
        }
    }

    @Test
    void brokenHoldExtensionsAreCaught() {
        assertThat(failuresOf(RevivingExtendHolds.class))
                .contains("aDueHoldIsRefusedAndNotRevived()", "recoveryCancelsTheOrderOnceItsExtendedHoldIsDue()");
        assertThat(failuresOf(ForgetfulExtendHolds.class))
                .contains(
                        "anExtendedHoldSurvivesItsOldExpiryAndExpiresAfterTheNewOne()",
                        "anExtendedPaymentActionIsNotCancelledByRecoveryUntilItsHoldIsDue()",
                        "extensionRacingExpiryHasExactlyOneWinnerPerHold()");
        assertThat(failuresOf(BlindBatchExpiryHolds.class))
                .contains("extensionRacingExpiryHasExactlyOneWinnerPerHold()");
    }

    /** Bug: the drift check's read is not atomic: level, movements and holds at three instants. */
    static final class TornAudit extends ForwardingStock {
        @Override
        public List<LevelAudit> audit(List<StockKey> keys) {
            List<LevelAudit> out = new ArrayList<>();
            for (StockKey k : keys) {
                Optional<StockLevel> level = d.level(k);
                if (level.isEmpty()) {
                    continue;
                }
                sleepBriefly();
                long on = 0;
                long res = 0;
                for (Movement m : d.movements(k)) {
                    on += m.onHandDelta();
                    res += m.reservedDelta();
                }
                sleepBriefly();
                long holds = d.reservations(EnumSet.of(ReservationState.HELD, ReservationState.COMMITTED)).stream()
                        .flatMap(r -> r.lines().stream())
                        .filter(l -> l.key().equals(k))
                        .mapToLong(AllocatedLine::quantity)
                        .sum();
                out.add(new LevelAudit(level.get(), on, res, holds));
            }
            return out;
        }
    }

    /** Bug: the drift check takes reserved for the holds' sum instead of reading the holds. */
    static final class HoldBlindAudit extends ForwardingStock {
        @Override
        public List<LevelAudit> audit(List<StockKey> keys) {
            return d.audit(keys).stream()
                    .map(a -> new LevelAudit(
                            a.level(),
                            a.movementOnHand(),
                            a.movementReserved(),
                            a.level().reserved()))
                    .toList();
        }
    }

    /** Bug: movement positions are list indexes, which a compaction shifts. */
    static final class IndexPositions extends ForwardingStock {
        @Override
        public List<PositionedMovement> movements(StockKey key, long afterPosition, int limit) {
            List<Movement> all = d.movements(key);
            List<PositionedMovement> out = new ArrayList<>();
            for (long i = afterPosition; i < all.size() && out.size() < limit; i++) {
                out.add(new PositionedMovement(i + 1, all.get((int) i)));
            }
            return out;
        }
    }

    /** Bug: the reservation purge ignores its bound: recent terminal reservations go too. */
    static final class PurgeIgnoresBound extends ForwardingStock {
        @Override
        public int purgeReservations(Instant olderThan, int limit) {
            return d.purgeReservations(Instant.MAX, limit);
        }
    }

    /** Bug: compaction ignores its batch limit. */
    static final class UnboundedCompaction extends ForwardingStock {
        @Override
        public int compactMovements(Instant olderThan, int limit) {
            return d.compactMovements(olderThan, Integer.MAX_VALUE);
        }
    }

    /** Bug: compaction deletes old movements without leaving their snapshot (conservation breaks). */
    static final class SnapshotLost extends ForwardingStock {
        @Override
        public List<Movement> movements(StockKey key) {
            return d.movements(key).stream()
                    .filter(m -> m.reason() != MovementReason.SNAPSHOT)
                    .toList();
        }
    }

    /** Bug: multi-line holds are applied line by line, so a short line leaves the others held. */
    static final class PartialReserve extends ForwardingStock {
        @Override
        public ReserveResult reserve(String id, List<AllocatedLine> lines, Instant expiresAt, Instant now) {
            ReserveResult last = null;
            for (int i = 0; i < lines.size(); i++) {
                last = d.reserve(i == 0 ? id : id + "#" + i, List.of(lines.get(i)), expiresAt, now);
                if (!(last instanceof ReserveResult.Reserved)) {
                    return last;
                }
            }
            return lines.size() == 1
                    ? last
                    : d.reservation(id)
                            .map(r -> (ReserveResult) new ReserveResult.Reserved(
                                    new Reservation(id, r.state(), lines, r.expiresAt(), r.createdAt(), r.updatedAt())))
                            .orElseThrow();
        }
    }

    /** Bug: check-then-act reservation (reads availability, then holds without re-checking). */
    static final class RacyReserve extends ForwardingStock {
        @Override
        public ReserveResult reserve(String id, List<AllocatedLine> lines, Instant expiresAt, Instant now) {
            for (AllocatedLine l : lines) {
                Optional<StockLevel> level = d.level(l.key());
                if (level.isPresent() && level.get().available() < l.quantity()) {
                    return d.reserve(id, lines, expiresAt, now); // let the reference report the shortfall
                }
            }
            sleepBriefly(); // widen the window so the race shows on every run
            // hold by topping up on-hand first so the reference cannot refuse, then take the top-up back
            for (AllocatedLine l : lines) {
                d.adjust(l.key(), l.quantity(), "racy-topup-" + id, now);
            }
            ReserveResult r = d.reserve(id, lines, expiresAt, now);
            for (AllocatedLine l : lines) {
                try {
                    d.adjust(l.key(), -l.quantity(), "racy-takeback-" + id, now);
                } catch (RuntimeException oversold) {
                    // the real bug: the reservation stays, on-hand stays inflated
                }
            }
            return r;
        }
    }

    private static void sleepBriefly() {
        sleepFor(1);
    }

    private static void sleepFor(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Bug: the audit ledger drops release movements (conservation no longer holds). */
    static final class LostMovements extends ForwardingStock {
        @Override
        public List<Movement> movements(StockKey key) {
            return d.movements(key).stream()
                    .filter(m -> m.reason() != MovementReason.RELEASE)
                    .toList();
        }
    }

    /** Bug: a level that does not tell held from committed units (every reserved unit reads as held). */
    static final class CommittedNotTracked extends ForwardingStock {
        private static StockLevel flat(StockLevel l) {
            return new StockLevel(l.key(), l.onHand(), l.reserved(), l.version(), l.updatedAt());
        }

        @Override
        public Optional<StockLevel> level(StockKey key) {
            return d.level(key).map(CommittedNotTracked::flat);
        }

        @Override
        public List<StockLevel> levels(String sku) {
            return d.levels(sku).stream().map(CommittedNotTracked::flat).toList();
        }

        @Override
        public List<StockLevel> allLevels() {
            return d.allLevels().stream().map(CommittedNotTracked::flat).toList();
        }
    }

    /** Bug: holds expire regardless of their expiry time. */
    static final class EagerExpiry extends ForwardingStock {
        @Override
        public TransitionResult transition(String id, ReservationTransition transition, Instant now) {
            return d.transition(
                    id, transition, transition == ReservationTransition.EXPIRE ? now.plus(Duration.ofDays(8)) : now);
        }
    }

    /** Bug: a batch expiry that does not check the expiry: live holds of the batch are expired too. */
    static final class BlindBatchExpiry extends ForwardingStock {
        @Override
        public List<Reservation> expireAll(List<String> ids, Instant now) {
            return d.expireAll(ids, now.plus(Duration.ofDays(8)));
        }
    }

    /** Bug: holds indexed under their first SKU only (the lookup by SKU misses multi-SKU holds). */
    static final class FirstSkuIndex extends ForwardingStock {
        @Override
        public List<String> dueReservations(Collection<String> skus, Instant now, int limitPerSku) {
            return d.dueReservations(skus, now, limitPerSku).stream()
                    .filter(id -> skus.contains(
                            d.reservation(id).orElseThrow().lines().get(0).key().sku()))
                    .toList();
        }
    }

    /** Bug: the lookup by SKU filters the globally earliest 500 due holds (the previous reserve path). */
    static final class GlobalDueOnly extends ForwardingStock {
        @Override
        public List<String> dueReservations(Collection<String> skus, Instant now, int limitPerSku) {
            return d.dueReservations(now, 500).stream()
                    .filter(id -> d.reservation(id).orElseThrow().lines().stream()
                            .anyMatch(l -> skus.contains(l.key().sku())))
                    .toList();
        }
    }

    /** Bug: a lifecycle rule of the backend's own that forgot the expiry: due holds can be committed. */
    static final class CommitIgnoresExpiry extends ForwardingStock {
        @Override
        public TransitionResult transition(String id, ReservationTransition transition, Instant now) {
            return d.transition(
                    id, transition, transition == ReservationTransition.COMMIT ? now.minus(Duration.ofDays(8)) : now);
        }
    }

    /** Bug: a release of a fulfilled reservation answers Unchanged instead of Refused (a drifted table). */
    static final class ReleaseOfFulfilledIsUnchanged extends ForwardingStock {
        @Override
        public TransitionResult transition(String id, ReservationTransition transition, Instant now) {
            TransitionResult r = d.transition(id, transition, now);
            return r instanceof TransitionResult.Refused f && transition == ReservationTransition.RELEASE
                    ? new TransitionResult.Unchanged(f.reservation())
                    : r;
        }
    }

    /** Forwards every idempotency primitive to the in-memory reference; subclasses break one. */
    static class ForwardingKeys implements IdempotencyStore {
        final InMemoryIdempotencyStore d = new InMemoryIdempotencyStore();

        /** The record with another claimant and token (what a store that loses a column writes). */
        static KeyRecord with(KeyRecord r, String claimant, long token) {
            return new KeyRecord(
                    r.fingerprint(),
                    r.resourceId(),
                    claimant,
                    token,
                    r.resumed(),
                    r.leaseUntil(),
                    r.response(),
                    r.retainUntil(),
                    r.version());
        }

        ScopedKey map(ScopedKey k) {
            return k;
        }

        @Override
        public Optional<KeyRecord> read(ScopedKey key) {
            return d.read(map(key));
        }

        @Override
        public boolean insert(ScopedKey key, KeyRecord record) {
            return d.insert(map(key), record);
        }

        @Override
        public boolean replace(ScopedKey key, long expectedVersion, KeyRecord next) {
            return d.replace(map(key), expectedVersion, next);
        }

        @Override
        public int purgeExpired(Instant now, int limit) {
            return d.purgeExpired(now, limit);
        }
    }

    /** Bug: records are keyed by the key alone, so scopes share them. */
    static class ScopeBlind extends ForwardingKeys {
        @Override
        ScopedKey map(ScopedKey k) {
            return new ScopedKey(Scope.DEFAULT, k.key());
        }
    }

    /** Bug: records are keyed by {@code scope + ":" + key}, so "a:b"/"c" and "a"/"b:c" collide. */
    static final class Concatenating extends ScopeBlind {
        @Override
        ScopedKey map(ScopedKey k) {
            return ScopedKey.of("all", k.scope().value() + ":" + k.key().value());
        }
    }

    /** Bug: insert is an upsert, so a second claim overwrites the first (key reuse goes unnoticed). */
    static final class UpsertingInsert extends ForwardingKeys {
        @Override
        public boolean insert(ScopedKey key, KeyRecord record) {
            Optional<KeyRecord> current = d.read(key);
            return current.isPresent() ? d.replace(key, current.get().version(), record) : d.insert(key, record);
        }
    }

    /** Bug: replace ignores the expected version (last writer wins), so racing takeovers all win. */
    static final class BlindReplace extends ForwardingKeys {
        @Override
        public boolean replace(ScopedKey key, long expectedVersion, KeyRecord next) {
            sleepBriefly(); // widen the window between the caller's read and this write
            Optional<KeyRecord> current = d.read(key);
            return current.isPresent() && d.replace(key, current.get().version(), next);
        }
    }

    /** Bug: replace does not write the token (a column left out of an UPDATE): no fencing after a takeover. */
    static final class StuckToken extends ForwardingKeys {
        @Override
        public boolean replace(ScopedKey key, long expectedVersion, KeyRecord next) {
            long token = d.read(key).map(KeyRecord::token).orElse(next.token());
            return d.replace(key, expectedVersion, with(next, next.claimant(), token));
        }
    }

    /** Bug: the claimant is not stored, so a claim repeated after a lost reply waits for its own lease. */
    static final class ForgetfulClaimant extends ForwardingKeys {
        private static KeyRecord forget(KeyRecord r) {
            return with(r, "", r.token());
        }

        @Override
        public boolean insert(ScopedKey key, KeyRecord record) {
            return d.insert(key, forget(record));
        }

        @Override
        public boolean replace(ScopedKey key, long expectedVersion, KeyRecord next) {
            return d.replace(key, expectedVersion, forget(next));
        }
    }

    /** Bug: updates ignore the expected version (last writer wins). */
    static final class NoCompareAndSet implements OrderStore {
        final InMemoryOrderStore d = new InMemoryOrderStore(EventSink.discarding());

        @Override
        public boolean insert(Order order, List<OrderKitEvent> events) {
            return d.insert(order, events);
        }

        @Override
        public Optional<Order> find(String orderId) {
            return d.find(orderId);
        }

        @Override
        public boolean update(Order order, long expectedVersion, List<OrderKitEvent> events) {
            for (int i = 0; i < 100; i++) {
                Optional<Order> cur = d.find(order.id());
                if (cur.isEmpty()) {
                    return false;
                }
                if (d.update(order, cur.get().version(), events)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public List<Order> findStale(Set<OrderStatus> statuses, Instant updatedBefore, int limit) {
            return d.findStale(statuses, updatedBefore, limit);
        }

        @Override
        public List<Order> findDue(Set<OrderStatus> statuses, Instant now, int limit) {
            return d.findDue(statuses, now, limit);
        }

        @Override
        public Optional<Order> findByKey(String scope, String idempotencyKey) {
            return d.findByKey(scope, idempotencyKey);
        }
    }

    /** Bug: metadata is lost on the way to storage. */
    static final class LossyOrders implements OrderStore {
        final InMemoryOrderStore d = new InMemoryOrderStore(EventSink.discarding());

        private static Order strip(Order o) {
            return new Order(
                    o.id(),
                    o.scope(),
                    o.idempotencyKey(),
                    o.fingerprint(),
                    o.status(),
                    o.customerRef(),
                    o.lines(),
                    o.total(),
                    o.paymentMethod(),
                    Map.of(),
                    o.allocations(),
                    o.paymentId(),
                    o.failureReason(),
                    o.version(),
                    o.createdAt(),
                    o.updatedAt(),
                    o.recovery());
        }

        @Override
        public boolean insert(Order order, List<OrderKitEvent> events) {
            return d.insert(strip(order), events);
        }

        @Override
        public Optional<Order> find(String orderId) {
            return d.find(orderId);
        }

        @Override
        public boolean update(Order order, long expectedVersion, List<OrderKitEvent> events) {
            return d.update(strip(order), expectedVersion, events);
        }

        @Override
        public List<Order> findStale(Set<OrderStatus> statuses, Instant updatedBefore, int limit) {
            return d.findStale(statuses, updatedBefore, limit);
        }

        @Override
        public List<Order> findDue(Set<OrderStatus> statuses, Instant now, int limit) {
            return d.findDue(statuses, now, limit);
        }

        @Override
        public Optional<Order> findByKey(String scope, String idempotencyKey) {
            return d.findByKey(scope, idempotencyKey);
        }
    }

    // ------------------------------------------------------------------ suites over the planted bugs

    /** The drift contract over a broken stock storage, drift planted in its in-memory delegate. */
    abstract static class DriftOn extends DriftCheckContract {
        private ForwardingStock storage;

        abstract ForwardingStock broken();

        @Override
        protected BackendFixture createFixture() {
            storage = broken();
            return withStock(() -> storage);
        }

        @Override
        protected void plantLevel(StockKey key, long onHand, long reserved) {
            InMemoryDrift.plantLevel(storage.d, key, onHand, reserved);
        }

        @Override
        protected void plantOrphanHold(StockKey key, String reservationId, long quantity) {
            InMemoryDrift.plantOrphanHold(storage.d, key, reservationId, quantity, clock.instant());
        }
    }

    static final class CorrectDrift extends DriftOn {
        @Override
        ForwardingStock broken() {
            return new ForwardingStock() {};
        }
    }

    static final class TornAuditDrift extends DriftOn {
        @Override
        ForwardingStock broken() {
            return new TornAudit();
        }
    }

    static final class HoldBlindAuditDrift extends DriftOn {
        @Override
        ForwardingStock broken() {
            return new HoldBlindAudit();
        }
    }

    static final class IndexPositionsDrift extends DriftOn {
        @Override
        ForwardingStock broken() {
            return new IndexPositions();
        }
    }

    static final class PurgeIgnoresBoundRetention extends RetentionContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(PurgeIgnoresBound::new);
        }
    }

    static final class UnboundedCompactionRetention extends RetentionContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(UnboundedCompaction::new);
        }
    }

    static final class SnapshotLostRetention extends RetentionContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(SnapshotLost::new);
        }
    }

    static final class PartialReserveStock extends StockStorageContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(PartialReserve::new);
        }
    }

    static final class PartialReserveConcurrency extends ConcurrencyContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(PartialReserve::new);
        }
    }

    static final class RacyReserveConcurrency extends ConcurrencyContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(RacyReserve::new);
        }
    }

    private static BackendFixture withKeys(IdempotencyStore keys) {
        return fixture(new InMemoryStockStorage(), keys, new InMemoryOrderStore(EventSink.discarding()));
    }

    static final class UpsertingKeys extends IdempotencyStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return withKeys(new UpsertingInsert());
        }
    }

    static final class UpsertingService extends OrderServiceContract {
        @Override
        protected BackendFixture createFixture() {
            return withKeys(new UpsertingInsert());
        }
    }

    static final class BlindReplaceKeys extends IdempotencyStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return withKeys(new BlindReplace());
        }
    }

    static final class BlindReplaceConcurrency extends ConcurrencyContract {
        @Override
        protected BackendFixture createFixture() {
            return withKeys(new BlindReplace());
        }
    }

    static final class StuckTokenKeys extends IdempotencyStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return withKeys(new StuckToken());
        }
    }

    static final class StuckTokenCrash extends CrashRecoveryContract {
        @Override
        protected BackendFixture createFixture() {
            return withKeys(new StuckToken());
        }
    }

    static final class ForgetfulClaimantKeys extends IdempotencyStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return withKeys(new ForgetfulClaimant());
        }
    }

    static final class NoCasOrders extends OrderStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return fixture(new InMemoryStockStorage(), new InMemoryIdempotencyStore(), new NoCompareAndSet());
        }
    }

    static final class NoCasConcurrency extends ConcurrencyContract {
        @Override
        protected BackendFixture createFixture() {
            return fixture(new InMemoryStockStorage(), new InMemoryIdempotencyStore(), new NoCompareAndSet());
        }
    }

    /** Bug: the order's refunds are not stored (an order store that writes only the columns it knew). */
    static final class RefundForgettingOrders implements OrderStore {
        final InMemoryOrderStore d = new InMemoryOrderStore(EventSink.discarding());

        @Override
        public boolean insert(Order order, List<OrderKitEvent> events) {
            return d.insert(order.withRefunds(List.of()), events);
        }

        @Override
        public Optional<Order> find(String orderId) {
            return d.find(orderId);
        }

        @Override
        public boolean update(Order order, long expectedVersion, List<OrderKitEvent> events) {
            return d.update(order.withRefunds(List.of()), expectedVersion, events);
        }

        @Override
        public List<Order> findStale(Set<OrderStatus> statuses, Instant updatedBefore, int limit) {
            return d.findStale(statuses, updatedBefore, limit);
        }

        @Override
        public List<Order> findDue(Set<OrderStatus> statuses, Instant now, int limit) {
            return d.findDue(statuses, now, limit);
        }

        @Override
        public Optional<Order> findByKey(String scope, String idempotencyKey) {
            return d.findByKey(scope, idempotencyKey);
        }
    }

    static final class RefundForgettingRefunds extends RefundContract {
        @Override
        protected BackendFixture createFixture() {
            return fixture(new InMemoryStockStorage(), new InMemoryIdempotencyStore(), new RefundForgettingOrders());
        }
    }

    static final class NoCasRefunds extends RefundContract {
        @Override
        protected BackendFixture createFixture() {
            return fixture(new InMemoryStockStorage(), new InMemoryIdempotencyStore(), new NoCompareAndSet());
        }
    }

    static final class LossyOrderStore extends OrderStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return fixture(new InMemoryStockStorage(), new InMemoryIdempotencyStore(), new LossyOrders());
        }
    }

    /** Forwards every order-store call to the in-memory store; subclasses break {@code list} or {@code countInStatus}. */
    abstract static class ForwardingOrders implements OrderStore {
        final InMemoryOrderStore d = new InMemoryOrderStore(EventSink.discarding());

        @Override
        public boolean insert(Order order, List<OrderKitEvent> events) {
            return d.insert(order, events);
        }

        @Override
        public Optional<Order> find(String orderId) {
            return d.find(orderId);
        }

        @Override
        public boolean update(Order order, long expectedVersion, List<OrderKitEvent> events) {
            return d.update(order, expectedVersion, events);
        }

        @Override
        public List<Order> findStale(Set<OrderStatus> statuses, Instant updatedBefore, int limit) {
            return d.findStale(statuses, updatedBefore, limit);
        }

        @Override
        public List<Order> findDue(Set<OrderStatus> statuses, Instant now, int limit) {
            return d.findDue(statuses, now, limit);
        }

        @Override
        public Optional<Order> findByKey(String scope, String idempotencyKey) {
            return d.findByKey(scope, idempotencyKey);
        }

        @Override
        public boolean delete(String orderId, long expectedVersion) {
            return d.delete(orderId, expectedVersion);
        }

        /** Every order, unsorted. */
        List<Order> everything() {
            return d.findStale(EnumSet.allOf(OrderStatus.class), Instant.MAX, Integer.MAX_VALUE);
        }
    }

    /** Bug: the listing forgets the scope. */
    static final class ScopeBlindListing extends ForwardingOrders {
        @Override
        public List<Order> list(String scope, OrderFilter filter, @Nullable OrderPosition after, int limit) {
            return everything().stream()
                    .filter(o -> filter.matches(o) && (after == null || after.precedes(o)))
                    .sorted(Comparator.comparing(OrderPosition::of, OrderPosition.LISTING_ORDER))
                    .limit(limit)
                    .toList();
        }
    }

    /** Bug: the keyset compares the created time only, so orders tied with a page's last are skipped. */
    static final class TimeOnlyKeyset extends ForwardingOrders {
        @Override
        public List<Order> list(String scope, OrderFilter filter, @Nullable OrderPosition after, int limit) {
            return everything().stream()
                    .filter(o -> o.scope().equals(scope) && filter.matches(o))
                    .filter(o -> after == null || o.createdAt().isBefore(after.createdAt()))
                    .sorted(Comparator.comparing(OrderPosition::of, OrderPosition.LISTING_ORDER))
                    .limit(limit)
                    .toList();
        }
    }

    /** Bug: the backlog count ignores its cap. */
    static final class UncappedCount extends ForwardingOrders {
        @Override
        public int countInStatus(Set<OrderStatus> statuses, int atMost) {
            return d.countInStatus(statuses, Integer.MAX_VALUE);
        }
    }

    /** Bug: the backlog count ignores the statuses. */
    static final class StatusBlindCount extends ForwardingOrders {
        @Override
        public int countInStatus(Set<OrderStatus> statuses, int atMost) {
            return statuses.isEmpty() ? 0 : d.countInStatus(EnumSet.allOf(OrderStatus.class), atMost);
        }
    }

    static final class UncappedCountOrders extends OrderStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return fixture(new InMemoryStockStorage(), new InMemoryIdempotencyStore(), new UncappedCount());
        }
    }

    static final class StatusBlindCountOrders extends OrderStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return fixture(new InMemoryStockStorage(), new InMemoryIdempotencyStore(), new StatusBlindCount());
        }
    }

    static final class ScopeBlindQueries extends OrderQueryContract {
        @Override
        protected BackendFixture createFixture() {
            return fixture(new InMemoryStockStorage(), new InMemoryIdempotencyStore(), new ScopeBlindListing());
        }
    }

    static final class TimeOnlyKeysetQueries extends OrderQueryContract {
        @Override
        protected BackendFixture createFixture() {
            return fixture(new InMemoryStockStorage(), new InMemoryIdempotencyStore(), new TimeOnlyKeyset());
        }
    }

    /** Bug: adjust / setOnHand forget their reference, so a retry after a lost reply applies again. */
    static final class ForgetfulWrites extends ForwardingStock {
        private final AtomicLong calls = new AtomicLong();

        @Override
        public StockLevel adjust(StockKey key, long delta, String reference, Instant now) {
            return d.adjust(key, delta, reference + "#" + calls.incrementAndGet(), now);
        }

        @Override
        public StockLevel setOnHand(StockKey key, long onHand, long v, String reference, Instant now) {
            return d.setOnHand(key, onHand, v, reference + "#" + calls.incrementAndGet(), now);
        }
    }

    static final class ForgetfulWritesStock extends StockStorageContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(ForgetfulWrites::new);
        }
    }

    /** In-memory order store, the given stock and keys, all behind SPI-boundary fault injection. */
    private static BackendFixture withFaults(StockStorage stock, IdempotencyStore keys) {
        FaultPlan plan = new FaultPlan();
        FaultInjectingBackends faulty = new FaultInjectingBackends(plan);
        BackendFixture f = fixture(faulty.wrap(stock), faulty.wrap(keys), faulty.wrap((OrderStore)
                new InMemoryOrderStore(EventSink.discarding())));
        return new BackendFixture() {
            @Override
            public StockStorage stockStorage() {
                return f.stockStorage();
            }

            @Override
            public IdempotencyStore idempotencyStore() {
                return f.idempotencyStore();
            }

            @Override
            public OrderStore orderStore() {
                return f.orderStore();
            }

            @Override
            public FaultInjection faults() {
                return plan;
            }
        };
    }

    static final class ForgetfulWritesAmbiguous extends AmbiguousFailureContract {
        @Override
        protected BackendFixture createFixture() {
            return withFaults(new ForgetfulWrites(), new InMemoryIdempotencyStore());
        }
    }

    static final class ForgetfulClaimantAmbiguous extends AmbiguousFailureContract {
        @Override
        protected BackendFixture createFixture() {
            return withFaults(new InMemoryStockStorage(), new ForgetfulClaimant());
        }
    }

    static final class LostMovementsStock extends StockStorageContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(LostMovements::new);
        }
    }

    static final class EagerExpiryStock extends StockStorageContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(EagerExpiry::new);
        }
    }

    static final class BlindBatchExpiryStock extends StockStorageContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(BlindBatchExpiry::new);
        }
    }

    static final class FirstSkuIndexStock extends StockStorageContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(FirstSkuIndex::new);
        }
    }

    static final class GlobalDueOnlyStock extends StockStorageContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(GlobalDueOnly::new);
        }
    }

    static final class CommittedNotTrackedPolicy extends StockPolicyContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(CommittedNotTracked::new);
        }
    }

    static final class CommittedNotTrackedLifecycle extends ReservationLifecycleContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(CommittedNotTracked::new);
        }
    }

    static final class EagerExpiryLifecycle extends ReservationLifecycleContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(EagerExpiry::new);
        }
    }

    static final class CommitIgnoresExpiryLifecycle extends ReservationLifecycleContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(CommitIgnoresExpiry::new);
        }
    }

    static final class ReleaseOfFulfilledLifecycle extends ReservationLifecycleContract {
        @Override
        protected BackendFixture createFixture() {
            return withStock(ReleaseOfFulfilledIsUnchanged::new);
        }
    }

    static final class ScopeBlindKeys extends IdempotencyStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return fixture(
                    new InMemoryStockStorage(), new ScopeBlind(), new InMemoryOrderStore(EventSink.discarding()));
        }
    }

    static final class ScopeBlindService extends OrderServiceContract {
        @Override
        protected BackendFixture createFixture() {
            return fixture(
                    new InMemoryStockStorage(), new ScopeBlind(), new InMemoryOrderStore(EventSink.discarding()));
        }
    }

    static final class ConcatenatedKeys extends IdempotencyStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return fixture(
                    new InMemoryStockStorage(), new Concatenating(), new InMemoryOrderStore(EventSink.discarding()));
        }
    }

    /** Bug: check-then-act inbox claim (reads the lease, then writes it without a guard). */
    static final class RacyInbox implements InboxStore {
        private final Map<String, Instant> leases = new ConcurrentHashMap<>();
        private final Map<String, Instant> done = new ConcurrentHashMap<>();

        @Override
        public Claim claim(String messageId, Instant now, Duration lease) {
            InboxStore.checkMessageId(messageId);
            InboxStore.checkLease(lease);
            if (done.containsKey(messageId)) {
                return Claim.DONE;
            }
            Instant until = leases.get(messageId);
            if (until != null && until.isAfter(now)) {
                return Claim.IN_PROGRESS;
            }
            // widen the window so the race shows on every run: 1 ms was not always enough on a loaded
            // 2-core machine (a racer could be scheduled only after the first one had written)
            sleepFor(25);
            leases.put(messageId, now.plus(lease));
            return Claim.ACQUIRED;
        }

        @Override
        public void complete(String messageId, Instant now) {
            done.putIfAbsent(InboxStore.checkMessageId(messageId), now);
        }

        @Override
        public void release(String messageId) {
            leases.remove(InboxStore.checkMessageId(messageId));
        }

        @Override
        public int purgeCompleted(Instant olderThan, int limit) {
            int n = 0;
            for (Map.Entry<String, Instant> e : done.entrySet()) {
                if (n < limit && e.getValue().isBefore(olderThan) && done.remove(e.getKey(), e.getValue())) {
                    leases.remove(e.getKey());
                    n++;
                }
            }
            return n;
        }
    }

    /** Bug: purge ignores the completion state (also deletes claims in progress and released ones). */
    static final class PurgeEverythingInbox implements InboxStore {
        private final InMemoryInboxStore d = new InMemoryInboxStore();
        private final Set<String> seen = ConcurrentHashMap.newKeySet();
        private final Map<String, Boolean> gone = new ConcurrentHashMap<>();

        @Override
        public Claim claim(String messageId, Instant now, Duration lease) {
            seen.add(messageId);
            if (gone.remove(messageId) != null) {
                d.release(messageId);
            }
            return d.claim(messageId, now, lease);
        }

        @Override
        public void complete(String messageId, Instant now) {
            seen.add(messageId);
            d.complete(messageId, now);
        }

        @Override
        public void release(String messageId) {
            d.release(messageId);
        }

        @Override
        public int purgeCompleted(Instant olderThan, int limit) {
            int n = d.purgeCompleted(olderThan, limit);
            for (String id : seen) {
                gone.put(id, true); // the next claim of anything else acquires: its record was "deleted"
            }
            return n;
        }
    }

    /**
     * A correct inbox over a map, atomic per id through {@code compute}: the planted multi-step
     * inboxes below break one of its steps the way a SQL store without retry loops could.
     */
    static class MapInbox implements InboxStore {
        record Rec(Instant lease, Instant done) {
            boolean claimable(Instant now) {
                return done == null && (lease == null || !lease.isAfter(now));
            }
        }

        final Map<String, Rec> recs = new ConcurrentHashMap<>();

        @Override
        public Claim claim(String messageId, Instant now, Duration lease) {
            InboxStore.checkMessageId(messageId);
            InboxStore.checkLease(lease);
            Rec taken = new Rec(now.plus(lease), null);
            Rec after = recs.compute(messageId, (k, r) -> r == null || r.claimable(now) ? taken : r);
            if (after == taken) {
                return Claim.ACQUIRED;
            }
            return after.done() != null ? Claim.DONE : Claim.IN_PROGRESS;
        }

        @Override
        public void complete(String messageId, Instant now) {
            InboxStore.checkMessageId(messageId);
            recs.compute(messageId, (k, r) -> r != null && r.done() != null ? r : new Rec(null, now));
        }

        @Override
        public void release(String messageId) {
            InboxStore.checkMessageId(messageId);
            recs.computeIfPresent(messageId, (k, r) -> r.done() != null ? r : new Rec(null, null));
        }

        @Override
        public int purgeCompleted(Instant olderThan, int limit) {
            InboxStore.checkLimit(limit);
            int n = 0;
            for (Map.Entry<String, Rec> e : recs.entrySet().stream()
                    .filter(e ->
                            e.getValue().done() != null && e.getValue().done().isBefore(olderThan))
                    .sorted(Map.Entry.comparingByValue(Comparator.comparing(Rec::done)))
                    .limit(limit)
                    .toList()) {
                if (recs.remove(e.getKey(), e.getValue())) {
                    n++;
                }
            }
            return n;
        }
    }

    /**
     * Bug: a multi-step claim (insert, conditional takeover, read) that answers {@code ACQUIRED}
     * when the read finds the record released after the takeover found it held: it owns no lease
     * (the answer must be {@code CONFLICT}), so a second claim acquires too.
     */
    static final class AcquireOnLostRaceInbox extends MapInbox {
        @Override
        public Claim claim(String messageId, Instant now, Duration lease) {
            InboxStore.checkMessageId(messageId);
            InboxStore.checkLease(lease);
            Rec taken = new Rec(now.plus(lease), null);
            if (recs.putIfAbsent(messageId, taken) == null) {
                return Claim.ACQUIRED;
            }
            if (recs.computeIfPresent(messageId, (k, r) -> r.claimable(now) ? taken : r) == taken) {
                return Claim.ACQUIRED;
            }
            sleepBriefly(); // widen the window between the takeover and the read
            Rec r = recs.get(messageId);
            if (r == null || r.done() != null) {
                return Claim.DONE;
            }
            return r.claimable(now) ? Claim.ACQUIRED : Claim.IN_PROGRESS;
        }
    }

    /**
     * Bug: complete as "update the record, else insert a completed one" that gives up when a
     * claim inserted the record between the two steps (the JDBC store once looped here instead):
     * the completion is lost and the message is processed again.
     */
    static final class LossyCompleteInbox extends MapInbox {
        @Override
        public void complete(String messageId, Instant now) {
            InboxStore.checkMessageId(messageId);
            if (recs.computeIfPresent(messageId, (k, r) -> r.done() != null ? r : new Rec(null, now)) != null) {
                return;
            }
            try {
                Thread.sleep(5); // widen the window between the update and the insert
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            recs.putIfAbsent(messageId, new Rec(null, now));
        }
    }

    private static BackendFixture withInbox(InboxStore inbox) {
        return new InMemoryBackendFixture(inbox);
    }

    static final class RacyInboxContract extends InboxStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return withInbox(new RacyInbox());
        }
    }

    static final class AcquireOnLostRaceInboxContract extends InboxStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return withInbox(new AcquireOnLostRaceInbox());
        }
    }

    static final class LossyCompleteInboxContract extends InboxStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return withInbox(new LossyCompleteInbox());
        }
    }

    static final class MapInboxContract extends InboxStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return withInbox(new MapInbox());
        }
    }

    static final class PurgeEverythingInboxContract extends InboxStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return withInbox(new PurgeEverythingInbox());
        }
    }

    // ------------------------------------------------------------------ the checks

    @Test
    void nonAtomicInboxClaimsAreCaught() {
        assertThat(failuresOf(RacyInboxContract.class))
                .contains(
                        "concurrentClaimsHaveExactlyOneWinner()",
                        "concurrentTakeoversOfAnExpiredLeaseHaveExactlyOneWinner()");
    }

    @Test
    void multiStepInboxesThatHideALostRaceAreCaught() {
        assertThat(failuresOf(MapInboxContract.class))
                .as("the correct map inbox the planted bugs start from")
                .isEmpty();
        assertThat(failuresOf(AcquireOnLostRaceInboxContract.class))
                .containsExactly("claimsRacingAReleaseHaveExactlyOneWinner()");
        assertThat(failuresOf(LossyCompleteInboxContract.class))
                .containsExactly("completionsRacingClaimsAreNeverLost()");
    }

    @Test
    void inboxPurgeOfUnfinishedClaimsIsCaught() {
        assertThat(failuresOf(PurgeEverythingInboxContract.class))
                .contains("purgeDeletesOnlyCompletedRecordsOlderThanTheBound()");
    }

    @Test
    void brokenRetentionPrimitivesAreCaught() {
        assertThat(failuresOf(PurgeIgnoresBoundRetention.class))
                .contains("purgeReservationsDeletesOnlyTerminalOnesOlderThanTheBound()");
        assertThat(failuresOf(UnboundedCompactionRetention.class))
                .contains("compactionStaysWithinItsLimitAndEndsWithOneSnapshot()");
        assertThat(failuresOf(SnapshotLostRetention.class))
                .contains(
                        "compactionFoldsOldMovementsIntoOneSnapshotAndKeepsTheReplayExact()",
                        "compactionStaysWithinItsLimitAndEndsWithOneSnapshot()");
    }

    @Test
    void brokenDriftChecksAndMovementPagingAreCaught() {
        assertThat(failuresOf(CorrectDrift.class))
                .as("the forwarding storage the bugs start from")
                .isEmpty();
        assertThat(failuresOf(TornAuditDrift.class)).containsExactly("verifyStaysSilentWhileOrdersKeepFlowing()");
        assertThat(failuresOf(HoldBlindAuditDrift.class))
                .containsExactlyInAnyOrder(
                        "verifyFindsAnOrphanHold()", "verifyFindsALevelChangedBehindTheLedgersBack()");
        assertThat(failuresOf(IndexPositionsDrift.class)).containsExactly("cursorsStayValidAcrossACompaction()");
    }

    @Test
    void brokenConservationIsCaught() {
        assertThat(failuresOf(LostMovementsStock.class))
                .contains("releaseReturnsStockAndIsIdempotent()", "mixedLifecyclesConserveStock()");
    }

    @Test
    void stockWritesThatAreNotIdempotentOnTheirReferenceAreCaught() {
        assertThat(failuresOf(ForgetfulWritesStock.class))
                .contains(
                        "adjustRepeatedWithItsReferenceReturnsTheFirstResultAndAppliesNothing()",
                        "setOnHandRepeatedWithItsReferenceReturnsTheFirstResultNotAConflict()",
                        "referenceReusedWithOtherArgumentsIsRejectedAndChangesNothing()");
        assertThat(failuresOf(ForgetfulWritesAmbiguous.class))
                .contains(
                        "lostAcknowledgementOfARestockAppliesItOnce()",
                        "lostAcknowledgementOfAStockCountReturnsTheCountNotAConflict()");
    }

    @Test
    void earlyExpiryIsCaught() {
        assertThat(failuresOf(EagerExpiryStock.class)).contains("expireReturnsDueHoldsOnly()");
        assertThat(lifecycleRowsFailing(EagerExpiryLifecycle.class)).contains("EXPIRE from HELD, due=false");
    }

    @Test
    void levelsThatDoNotTellHeldFromCommittedAreCaught() {
        assertThat(failuresOf(CommittedNotTrackedPolicy.class))
                .contains(
                        "heldAndCommittedFollowEveryTransition()",
                        "repeatsAndRefusalsLeaveHeldAndCommittedAlone()",
                        "expireAllTakesOnlyHeldUnits()",
                        "stockWritesReportAndReplayTheCommittedUnits()");
        assertThat(lifecycleRowsFailing(CommittedNotTrackedLifecycle.class))
                .contains("COMMIT from HELD, due=false", "RELEASE from COMMITTED, due=false");
    }

    @Test
    void expiryOffTheBuyersPathIsChecked() {
        assertThat(failuresOf(BlindBatchExpiryStock.class)).contains("expireAllExpiresExactlyTheDueHeldOnes()");
        assertThat(failuresOf(FirstSkuIndexStock.class))
                .contains("dueReservationsBySkuFindsOnlyDueHoldsWithALineOfThoseSkus()");
        assertThat(failuresOf(GlobalDueOnlyStock.class))
                .contains("aSkuIsAvailableAtItsHoldsExpiryInstantWithFiveThousandOtherHoldsDue()");
    }

    @Test
    void lifecycleRulesThatDriftFromTheTableAreCaught() {
        assertThat(lifecycleRowsFailing(CommitIgnoresExpiryLifecycle.class)).contains("COMMIT from HELD, due=true");
        assertThat(lifecycleRowsFailing(ReleaseOfFulfilledLifecycle.class))
                .containsExactlyInAnyOrder("RELEASE from FULFILLED, due=false", "RELEASE from FULFILLED, due=true");
    }

    /** The rows of {@link ReservationLifecycleContract} a suite fails, named as the table names them. */
    private static List<String> lifecycleRowsFailing(Class<?> suite) {
        List<ReservationTransition.Rule> table = ReservationTransition.table();
        return failuresOf(suite).stream()
                .filter(n -> n.startsWith("everyRowOfTheLifecycleTable"))
                .map(n -> table.get(Integer.parseInt(n.substring(n.lastIndexOf('[') + 1, n.length() - 1)) - 1))
                .map(r -> r.transition() + " from " + r.from() + ", due=" + r.due())
                .toList();
    }

    @Test
    void sharedScopesAreCaught() {
        assertThat(failuresOf(ScopeBlindKeys.class)).contains("invariant8_scopesAreIsolated()");
        assertThat(failuresOf(ConcatenatedKeys.class)).contains("scopeAndKeyBoundariesDoNotCollide()");
        assertThat(failuresOf(ScopeBlindService.class)).contains("invariant8_scopesAreIsolated()");
    }

    @Test
    void partialMultiLineHoldsAreCaught() {
        assertThat(failuresOf(PartialReserveStock.class)).contains("multiLineReserveIsAllOrNothing()");
        assertThat(failuresOf(PartialReserveConcurrency.class))
                .contains("invariant4_multiLineHoldsInterleaveWithoutDeadlockAndStayAllOrNothing()");
    }

    @Test
    void checkThenActOversellIsCaught() {
        assertThat(failuresOf(RacyReserveConcurrency.class))
                .contains("invariant1_concurrentReservationsNeverOversell()");
    }

    @Test
    void idempotencyInsertsThatOverwriteAreCaught() {
        assertThat(failuresOf(UpsertingKeys.class)).contains("insertIsIfAbsentAndReplaceIsCompareAndSetOnTheVersion()");
        assertThat(failuresOf(UpsertingService.class))
                .contains("invariant3_keyReuseWithAnotherPayloadIsRejectedAndChangesNothing()");
    }

    @Test
    void idempotencyReplacesThatIgnoreTheVersionAreCaught() {
        assertThat(failuresOf(BlindReplaceKeys.class))
                .contains("insertIsIfAbsentAndReplaceIsCompareAndSetOnTheVersion()");
        assertThat(failuresOf(BlindReplaceConcurrency.class)).contains("racingTakeoversOfAnExpiredLeaseAcquireOnce()");
    }

    @Test
    void missingFencingIsCaught() {
        assertThat(failuresOf(StuckTokenKeys.class))
                .contains("staleHolderIsFenced()", "recordsRoundTripExactlyInEveryState()");
        assertThat(failuresOf(StuckTokenCrash.class)).contains("invariant7_workerWhoseLeaseWasTakenOverIsFenced()");
    }

    @Test
    void forgottenClaimantsAreCaught() {
        assertThat(failuresOf(ForgetfulClaimantKeys.class)).contains("recordsRoundTripExactlyInEveryState()");
        assertThat(failuresOf(ForgetfulClaimantAmbiguous.class))
                .contains("placementsCancellationsAndFulfilmentsUnderRandomFaultsKeepEveryInvariant(Fault)[2]");
        assertThat(String.join("\n", failuresOf(ForgetfulClaimantKeys.class)))
                .contains("live lease × its claimant × same fingerprint → Acquired(same token")
                .contains("live lease taken over from an expired one × its claimant × same fingerprint");
    }

    @Test
    void missingCompareAndSetIsCaught() {
        assertThat(failuresOf(NoCasOrders.class)).contains("updateIsCompareAndSetOnTheVersion()");
        assertThat(failuresOf(NoCasConcurrency.class)).contains("racingOrderUpdatesHaveOneWinner()");
    }

    @Test
    void lossyRoundTripsAreCaught() {
        assertThat(failuresOf(LossyOrderStore.class)).contains("insertedOrderRoundTripsExactly()");
    }

    @Test
    void brokenBacklogCountsAreCaught() {
        assertThat(failuresOf(UncappedCountOrders.class))
                .containsExactly("countInStatusCountsOnlyTheGivenStatusesExactlyUpToItsCap()");
        assertThat(failuresOf(StatusBlindCountOrders.class))
                .containsExactly("countInStatusCountsOnlyTheGivenStatusesExactlyUpToItsCap()");
    }

    @Test
    void brokenListingsAreCaught() {
        assertThat(failuresOf(ScopeBlindQueries.class))
                .contains("aScopeNeverSeesAnotherScopesOrders()", "anEmptyListingIsOneEmptyPageWithoutCursor()");
        assertThat(failuresOf(TimeOnlyKeysetQueries.class))
                .contains(
                        "ordersSharingACreationInstantAreOrderedByIdDescendingAcrossPages()",
                        "pagesListEveryOrderOnceNewestFirstWithTiesById()",
                        "pagingWhileOrdersAreInsertedConcurrentlyHasNoDuplicatesAndNoGaps()");
    }

    @Test
    void brokenRefundStorageIsCaught() {
        assertThat(failuresOf(RefundForgettingRefunds.class))
                .contains(
                        "aRepeatWithTheSameKeyAndAmountReturnsTheRefundWithoutASecondGatewayCall()",
                        "overRefundIsRefusedWithNothingWritten()",
                        "theSameKeyWithAnotherAmountIsATypedReuseErrorAndWritesNothing()");
        assertThat(failuresOf(NoCasRefunds.class)).contains("twoRefundsDecidedOnTheSameVersionNeverBothPass()");
    }
}
