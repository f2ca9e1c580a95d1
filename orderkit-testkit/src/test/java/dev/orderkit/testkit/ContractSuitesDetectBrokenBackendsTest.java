package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.LeaseLostException;
import dev.orderkit.core.Movement;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.memory.InMemoryIdempotencyStore;
import dev.orderkit.core.memory.InMemoryInboxStore;
import dev.orderkit.core.memory.InMemoryOrderStore;
import dev.orderkit.core.memory.InMemoryStockStorage;
import dev.orderkit.core.spi.ClaimResult;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.ScopedKey;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.core.spi.TransitionResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
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

    /** Runs one contract subclass and returns the names of its failed tests (display names). */
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
                    (result.getStatus() == TestExecutionResult.Status.SUCCESSFUL ? passed : failed).add(name);
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
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Bug: the audit ledger drops release movements (conservation no longer holds). */
    static final class LostMovements extends ForwardingStock {
        @Override
        public List<Movement> movements(StockKey key) {
            return d.movements(key).stream()
                    .filter(m -> m.reason() != dev.orderkit.core.MovementReason.RELEASE)
                    .toList();
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

    /** Bug: records are keyed by the key alone, so scopes share them. */
    static class ScopeBlind implements IdempotencyStore {
        final InMemoryIdempotencyStore d = new InMemoryIdempotencyStore();

        ScopedKey blind(ScopedKey k) {
            return new ScopedKey(dev.orderkit.core.Scope.DEFAULT, k.key());
        }

        @Override
        public ClaimResult claim(ScopedKey key, String fp, String newResourceId, Instant now, Duration lease) {
            return d.claim(blind(key), fp, newResourceId, now, lease);
        }

        @Override
        public void complete(ScopedKey key, long token, String response, Instant now, Instant retainUntil) {
            d.complete(blind(key), token, response, now, retainUntil);
        }

        @Override
        public void release(ScopedKey key, long token) {
            d.release(blind(key), token);
        }

        @Override
        public int purgeExpired(Instant now, int limit) {
            return d.purgeExpired(now, limit);
        }
    }

    /** Bug: records are keyed by {@code scope + ":" + key}, so "a:b"/"c" and "a"/"b:c" collide. */
    static final class Concatenating extends ScopeBlind {
        @Override
        ScopedKey blind(ScopedKey k) {
            return ScopedKey.of("all", k.scope().value() + ":" + k.key().value());
        }
    }

    /** Bug: the idempotency store ignores fingerprints (key reuse goes unnoticed). */
    static final class NoFingerprint implements IdempotencyStore {
        final InMemoryIdempotencyStore d = new InMemoryIdempotencyStore();

        @Override
        public ClaimResult claim(ScopedKey key, String fp, String newResourceId, Instant now, Duration lease) {
            return d.claim(key, "ignored", newResourceId, now, lease);
        }

        @Override
        public void complete(ScopedKey key, long token, String response, Instant now, Instant retainUntil) {
            d.complete(key, token, response, now, retainUntil);
        }

        @Override
        public void release(ScopedKey key, long token) {
            d.release(key, token);
        }

        @Override
        public int purgeExpired(Instant now, int limit) {
            return d.purgeExpired(now, limit);
        }
    }

    /** Bug: no fencing: a stale holder's complete silently overwrites nothing but reports success. */
    static final class NoFencing implements IdempotencyStore {
        final InMemoryIdempotencyStore d = new InMemoryIdempotencyStore();
        final Map<ScopedKey, Long> latest = new ConcurrentHashMap<>();

        @Override
        public ClaimResult claim(ScopedKey key, String fp, String newResourceId, Instant now, Duration lease) {
            ClaimResult c = d.claim(key, fp, newResourceId, now, lease);
            if (c instanceof ClaimResult.Acquired a) {
                latest.put(key, a.fencingToken());
            }
            return c;
        }

        @Override
        public void complete(ScopedKey key, long token, String response, Instant now, Instant retainUntil) {
            try {
                d.complete(key, latest.getOrDefault(key, token), response, now, retainUntil);
            } catch (LeaseLostException e) {
                // swallowed: the bug
            }
        }

        @Override
        public void release(ScopedKey key, long token) {
            try {
                d.release(key, latest.getOrDefault(key, token));
            } catch (LeaseLostException e) {
                // swallowed: the bug
            }
        }

        @Override
        public int purgeExpired(Instant now, int limit) {
            return d.purgeExpired(now, limit);
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
                    o.updatedAt());
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
        public Optional<Order> findByKey(String scope, String idempotencyKey) {
            return d.findByKey(scope, idempotencyKey);
        }
    }

    // ------------------------------------------------------------------ suites over the planted bugs

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

    static final class NoFingerprintKeys extends IdempotencyStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return fixture(
                    new InMemoryStockStorage(), new NoFingerprint(), new InMemoryOrderStore(EventSink.discarding()));
        }
    }

    static final class NoFingerprintService extends OrderServiceContract {
        @Override
        protected BackendFixture createFixture() {
            return fixture(
                    new InMemoryStockStorage(), new NoFingerprint(), new InMemoryOrderStore(EventSink.discarding()));
        }
    }

    static final class NoFencingKeys extends IdempotencyStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return fixture(new InMemoryStockStorage(), new NoFencing(), new InMemoryOrderStore(EventSink.discarding()));
        }
    }

    static final class NoFencingCrash extends CrashRecoveryContract {
        @Override
        protected BackendFixture createFixture() {
            return fixture(new InMemoryStockStorage(), new NoFencing(), new InMemoryOrderStore(EventSink.discarding()));
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

    static final class LossyOrderStore extends OrderStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return fixture(new InMemoryStockStorage(), new InMemoryIdempotencyStore(), new LossyOrders());
        }
    }

    /** Bug: adjust / setOnHand forget their reference, so a retry after a lost reply applies again. */
    static final class ForgetfulWrites extends ForwardingStock {
        private final java.util.concurrent.atomic.AtomicLong calls = new java.util.concurrent.atomic.AtomicLong();

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

    static final class ForgetfulWritesAmbiguous extends AmbiguousFailureContract {
        @Override
        protected BackendFixture createFixture() {
            FaultPlan plan = new FaultPlan();
            FaultInjectingBackends faulty = new FaultInjectingBackends(plan);
            BackendFixture f = fixture(
                    faulty.wrap((StockStorage) new ForgetfulWrites()),
                    faulty.wrap((IdempotencyStore) new InMemoryIdempotencyStore()),
                    faulty.wrap((OrderStore) new InMemoryOrderStore(EventSink.discarding())));
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
            sleepBriefly(); // widen the window so the race shows on every run
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

    private static BackendFixture withInbox(InboxStore inbox) {
        return new InMemoryBackendFixture(inbox);
    }

    static final class RacyInboxContract extends InboxStoreContract {
        @Override
        protected BackendFixture createFixture() {
            return withInbox(new RacyInbox());
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
    void inboxPurgeOfUnfinishedClaimsIsCaught() {
        assertThat(failuresOf(PurgeEverythingInboxContract.class))
                .contains("purgeDeletesOnlyCompletedRecordsOlderThanTheBound()");
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
    void ignoredFingerprintsAreCaught() {
        assertThat(failuresOf(NoFingerprintKeys.class)).contains("differentFingerprintIsMismatchInEveryState()");
        assertThat(failuresOf(NoFingerprintService.class))
                .contains("invariant3_keyReuseWithAnotherPayloadIsRejectedAndChangesNothing()");
    }

    @Test
    void missingFencingIsCaught() {
        assertThat(failuresOf(NoFencingKeys.class)).contains("staleHolderIsFenced()");
        assertThat(failuresOf(NoFencingCrash.class)).contains("invariant7_workerWhoseLeaseWasTakenOverIsFenced()");
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
}
