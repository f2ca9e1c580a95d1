package dev.orderkit.core.memory;

import dev.orderkit.core.Order;
import dev.orderkit.core.OrderFilter;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.OrderPosition;
import dev.orderkit.core.spi.OrderStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default {@link OrderStore}: compare-and-set on the order's version. Events are
 * recorded in an {@link InMemoryOutbox} under the lock of the change (so one order's events are
 * recorded in commit order) and delivered from it after the change, with retries: a sink failure
 * never undoes the change and never drops the event. State lives in this JVM only.
 *
 * <p>Thread-safe and <b>linearizable</b> without a global lock: every operation takes effect at one
 * instant between its call and its return (a Lincheck test checks this in stress and
 * model-checking modes). Order ids and (scope, idempotency key) pairs map to 64 striped
 * {@link java.util.concurrent.locks.StampedLock}s. {@link #insert} holds the stripes of the id and
 * of the key while it stores the order, its idempotency-key entry and its entry in the per-status
 * index by update time, so {@link #find} and {@link #findByKey} see it together; {@link #update}
 * changes the order and its index entry under the id's stripe (the per-status index is kept per
 * stripe of the order id). Reads validate the stripes they depend on and fall back to read locks
 * when writers kept interfering; {@link #findStale} takes all the read locks and reads only the
 * oldest entries of each stripe's index, {@link #findDue} likewise on a second per-stripe index by
 * status and next recovery attempt; {@link #countInStatus} sums the sizes of the status indexes
 * under the same locks.
 *
 * <p>{@link #list} reads three listing indexes, concurrent skip-list sets in listing order (created
 * time descending, then id descending): per scope, per (scope, status) and per (scope, customer
 * reference), written with the order under its stripe lock. A page starts at the cursor (or the
 * range's upper bound) with one {@code O(log n)} seek per index it reads (the customer's, else one
 * per requested status, merged, else the scope's) and then reads about as many entries as it
 * returns; each entry is re-checked against the order's current state, so a page is as of some
 * instant during the call per order (the indexes are read without locks).
 */
public final class InMemoryOrderStore implements OrderStore {
    private static final Logger LOG = LoggerFactory.getLogger(InMemoryOrderStore.class);

    /** The order created with a (scope, key) pair. */
    private record KeyEntry(String orderId, Instant createdAt) {}

    /** An order in the per-status index, ordered by update time, then id. */
    private record Touched(Instant at, String orderId) implements Comparable<Touched> {
        static Touched of(Order o) {
            return new Touched(o.updatedAt(), o.id());
        }

        static Touched dueOf(Order o) {
            return new Touched(o.recovery().nextAttemptAt(), o.id());
        }

        @Override
        public int compareTo(Touched o) {
            int c = at.compareTo(o.at);
            return c != 0 ? c : orderId.compareTo(o.orderId);
        }
    }

    private final ConcurrentHashMap<String, Order> orders = new ConcurrentHashMap<>();
    /** (scope, key) → the latest order created with it. */
    private final ConcurrentHashMap<List<String>, KeyEntry> byKey = new ConcurrentHashMap<>();

    /** Stripes of a store built by the public constructors. */
    static final int STRIPES = 64;

    private final Stripes stripes;
    /**
     * Per stripe of the order id, the orders of each status by update time: plain sorted sets,
     * written under the id's stripe write lock and read only under read locks.
     */
    private final List<Map<OrderStatus, TreeSet<Touched>>> byStatus = new ArrayList<>();
    /** Per stripe of the order id, the orders of each status by next recovery attempt; like {@link #byStatus}. */
    private final List<Map<OrderStatus, TreeSet<Touched>>> byDue = new ArrayList<>();

    /** An order in the listing indexes, in listing order (created time descending, then id descending). */
    private record Listed(Instant createdAt, String orderId) implements Comparable<Listed> {
        static Listed of(Order o) {
            return new Listed(o.createdAt(), o.id());
        }

        @Override
        public int compareTo(Listed o) {
            int c = o.createdAt.compareTo(createdAt);
            return c != 0 ? c : o.orderId.compareTo(orderId);
        }
    }

    /** Per scope, its orders in listing order. */
    private final ConcurrentHashMap<String, ConcurrentSkipListSet<Listed>> listByScope = new ConcurrentHashMap<>();
    /** Per (scope, status), its orders in listing order. */
    private final ConcurrentHashMap<List<Object>, ConcurrentSkipListSet<Listed>> listByStatus =
            new ConcurrentHashMap<>();
    /** Per (scope, customer reference), its orders in listing order. */
    private final ConcurrentHashMap<List<String>, ConcurrentSkipListSet<Listed>> listByCustomer =
            new ConcurrentHashMap<>();

    private final Function<String, Order> orderOf = orders::get;
    private final InMemoryOutbox outbox;

    /**
     * Creates a store that delivers its events to {@code sink} after each change (its own
     * {@link InMemoryOutbox#InMemoryOutbox(EventSink)}).
     *
     * @param sink where events go
     */
    public InMemoryOrderStore(EventSink sink) {
        this(new InMemoryOutbox(Objects.requireNonNull(sink, "sink")));
    }

    /**
     * Creates a store recording its events in {@code outbox} (shared with an
     * {@link InMemoryStockStorage}, one ordered stream per order and per hold).
     *
     * @param outbox the outbox
     */
    public InMemoryOrderStore(InMemoryOutbox outbox) {
        this(outbox, STRIPES);
    }

    /**
     * A store with {@code stripeCount} lock stripes: the Lincheck tests use few, so that a model
     * checker's interleavings of a whole-store scan stay few and orders share stripes often.
     */
    InMemoryOrderStore(InMemoryOutbox outbox, int stripeCount) {
        this.outbox = Objects.requireNonNull(outbox, "outbox");
        this.stripes = new Stripes(stripeCount);
        for (int i = 0; i < stripes.count(); i++) {
            Map<OrderStatus, TreeSet<Touched>> index = new EnumMap<>(OrderStatus.class);
            for (OrderStatus s : OrderStatus.values()) {
                index.put(s, new TreeSet<>());
            }
            byStatus.add(index);
            Map<OrderStatus, TreeSet<Touched>> due = new EnumMap<>(OrderStatus.class);
            for (OrderStatus s : OrderStatus.values()) {
                due.put(s, new TreeSet<>());
            }
            byDue.add(due);
        }
    }

    /** The index of one status in the stripe of an order id; the constructor creates them all. */
    private TreeSet<Touched> indexOf(String orderId, OrderStatus status) {
        return indexOf(stripes.index(orderId), status);
    }

    private TreeSet<Touched> indexOf(int stripe, OrderStatus status) {
        return Objects.requireNonNull(byStatus.get(stripe).get(status), "every status is indexed");
    }

    private TreeSet<Touched> dueIndexOf(String orderId, OrderStatus status) {
        return dueIndexOf(stripes.index(orderId), status);
    }

    private TreeSet<Touched> dueIndexOf(int stripe, OrderStatus status) {
        return Objects.requireNonNull(byDue.get(stripe).get(status), "every status is indexed");
    }

    private static List<String> keyOf(String scope, String idempotencyKey) {
        return List.of(scope, idempotencyKey);
    }

    @Override
    public boolean insert(Order order, List<OrderKitEvent> events) {
        List<String> key = keyOf(order.scope(), order.idempotencyKey());
        boolean inserted = stripes.write(order.id(), key, () -> {
            if (orders.containsKey(order.id())) {
                return false;
            }
            orders.put(order.id(), order);
            indexOf(order.id(), order.status()).add(Touched.of(order));
            dueIndexOf(order.id(), order.status()).add(Touched.dueOf(order));
            listed(order);
            KeyEntry latest = byKey.get(key);
            if (latest == null || !latest.createdAt().isAfter(order.createdAt())) {
                byKey.put(key, new KeyEntry(order.id(), order.createdAt()));
            }
            outbox.append(events);
            return true;
        });
        if (inserted) {
            outbox.flush();
        }
        return inserted;
    }

    /** True when this store's sink discards every event ({@link EventSink#discards()}). */
    @Override
    public boolean discardsEvents() {
        return outbox.discards();
    }

    /**
     * The outbox this store records its events in.
     *
     * @return the outbox
     */
    public InMemoryOutbox outbox() {
        return outbox;
    }

    @Override
    public Optional<Order> find(String orderId) {
        return Optional.ofNullable(stripes.read(orderId, orderOf));
    }

    @Override
    public Optional<Order> findByKey(String scope, String idempotencyKey) {
        List<String> key = keyOf(scope, idempotencyKey);
        // the entry as of one instant (validated against its stripe), and the order read at that instant
        return Optional.ofNullable(stripes.read(key, () -> {
            KeyEntry e = byKey.get(key);
            return e == null ? null : orders.get(e.orderId());
        }));
    }

    @Override
    public boolean update(Order order, long expectedVersion, List<OrderKitEvent> events) {
        boolean updated;
        StampedLock lock = stripes.lockOf(order.id());
        long stamp = lock.writeLock();
        try {
            Order current = orders.get(order.id());
            updated = current != null && current.version() == expectedVersion;
            if (current != null && updated) {
                orders.put(order.id(), order);
                if (current.status() != order.status() || !current.updatedAt().equals(order.updatedAt())) {
                    indexOf(order.id(), current.status()).remove(Touched.of(current));
                    indexOf(order.id(), order.status()).add(Touched.of(order));
                }
                if (current.status() != order.status()
                        || !current.recovery()
                                .nextAttemptAt()
                                .equals(order.recovery().nextAttemptAt())) {
                    dueIndexOf(order.id(), current.status()).remove(Touched.dueOf(current));
                    dueIndexOf(order.id(), order.status()).add(Touched.dueOf(order));
                }
                if (!current.createdAt().equals(order.createdAt())
                        || !current.scope().equals(order.scope())
                        || !current.customerRef().equals(order.customerRef())) {
                    unlisted(current);
                    listed(order);
                } else if (current.status() != order.status()) {
                    // only the status moved: the scope's and the customer's listings keep their entry
                    Listed l = Listed.of(order);
                    removeFrom(listByStatus.get(List.of(order.scope(), current.status())), l);
                    statusListing(order).add(l);
                }
                outbox.append(events);
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        if (updated) {
            outbox.flush();
        }
        return updated;
    }

    @Override
    public List<Order> findStale(Set<OrderStatus> statuses, Instant updatedBefore, int limit) {
        // the indexes are plain sorted sets: read under the read locks, never optimistically
        return stripes.readAllLocked(() -> {
            List<Touched> oldest = new ArrayList<>();
            for (OrderStatus s : statuses) {
                for (int stripe = 0; stripe < stripes.count(); stripe++) {
                    int n = 0;
                    for (Touched t : indexOf(stripe, s)) {
                        if (n >= limit || !t.at().isBefore(updatedBefore)) {
                            break;
                        }
                        oldest.add(t);
                        n++;
                    }
                }
            }
            oldest.sort(null);
            List<Order> out = new ArrayList<>(Math.min(limit, oldest.size()));
            for (int i = 0; i < oldest.size() && i < limit; i++) {
                out.add(orders.get(oldest.get(i).orderId()));
            }
            return List.copyOf(out);
        });
    }

    @Override
    public List<Order> findDue(Set<OrderStatus> statuses, Instant now, int limit) {
        return stripes.readAllLocked(() -> {
            List<Touched> due = new ArrayList<>();
            for (OrderStatus s : statuses) {
                for (int stripe = 0; stripe < stripes.count(); stripe++) {
                    int n = 0;
                    for (Touched t : dueIndexOf(stripe, s)) {
                        if (n >= limit || t.at().isAfter(now)) {
                            break;
                        }
                        due.add(t);
                        n++;
                    }
                }
            }
            due.sort(null);
            List<Order> out = new ArrayList<>(Math.min(limit, due.size()));
            for (int i = 0; i < due.size() && i < limit; i++) {
                out.add(orders.get(due.get(i).orderId()));
            }
            return List.copyOf(out);
        });
    }

    /**
     * Sums the sizes of the per-stripe status indexes ({@code O(1)} each), so a count costs
     * {@code O(#statuses × #stripes)} however many orders match. Taken under every stripe's read
     * lock, like {@link #findStale}: the count is of one instant. {@code atMost <= 0} counts 0.
     */
    @Override
    public int countInStatus(Set<OrderStatus> statuses, int atMost) {
        if (atMost <= 0 || statuses.isEmpty()) {
            return 0;
        }
        return stripes.readAllLocked(() -> {
            long n = 0;
            for (OrderStatus s : statuses) {
                for (int stripe = 0; stripe < stripes.count() && n < atMost; stripe++) {
                    n += indexOf(stripe, s).size();
                }
            }
            return (int) Math.min(n, atMost);
        });
    }

    /** Deletes the order (and its key entry, if it is the latest of its key) if its version matches. */
    @Override
    public boolean delete(String orderId, long expectedVersion) {
        Order seen = orders.get(orderId);
        if (seen == null || seen.version() != expectedVersion) {
            return false;
        }
        List<String> key = keyOf(seen.scope(), seen.idempotencyKey());
        return stripes.write(orderId, key, () -> {
            Order current = orders.get(orderId);
            if (current == null || current.version() != expectedVersion) {
                return false;
            }
            orders.remove(orderId);
            indexOf(orderId, current.status()).remove(Touched.of(current));
            dueIndexOf(orderId, current.status()).remove(Touched.dueOf(current));
            unlisted(current);
            KeyEntry latest = byKey.get(key);
            if (latest != null && latest.orderId().equals(orderId)) {
                byKey.remove(key);
            }
            return true;
        });
    }

    /** Adds the order to the listing indexes (under its stripe's write lock). */
    private void listed(Order o) {
        Listed l = Listed.of(o);
        listByScope
                .computeIfAbsent(o.scope(), k -> new ConcurrentSkipListSet<>())
                .add(l);
        statusListing(o).add(l);
        listByCustomer
                .computeIfAbsent(List.of(o.scope(), o.customerRef()), k -> new ConcurrentSkipListSet<>())
                .add(l);
    }

    /** The listing of the order's scope and status, created if absent. */
    private ConcurrentSkipListSet<Listed> statusListing(Order o) {
        return listByStatus.computeIfAbsent(List.of(o.scope(), o.status()), k -> new ConcurrentSkipListSet<>());
    }

    /** Removes the order from the listing indexes (under its stripe's write lock). */
    private void unlisted(Order o) {
        Listed l = Listed.of(o);
        removeFrom(listByScope.get(o.scope()), l);
        removeFrom(listByStatus.get(List.of(o.scope(), o.status())), l);
        removeFrom(listByCustomer.get(List.of(o.scope(), o.customerRef())), l);
    }

    private static void removeFrom(@Nullable Set<Listed> index, Listed l) {
        if (index != null) {
            index.remove(l);
        }
    }

    /** The next entry of one index, for the merge of several. */
    private record Head(Listed at, Iterator<Listed> rest) {}

    /**
     * Reads the customer's index if the filter names one, else the index of each requested status
     * (a lazy k-way merge), else the scope's, from the later of the cursor and the range's upper
     * bound, and stops at the range's lower bound or after {@code limit} matches. Each entry is
     * checked against the order's current state (it may have changed since the entry was read).
     */
    @Override
    public List<Order> list(String scope, OrderFilter filter, @Nullable OrderPosition after, int limit) {
        List<@Nullable NavigableSet<Listed>> sources = new ArrayList<>();
        String customer = filter.customerRef();
        if (customer != null) {
            sources.add(listByCustomer.get(List.of(scope, customer)));
        } else if (!filter.statuses().isEmpty()) {
            for (OrderStatus s : filter.statuses()) {
                sources.add(listByStatus.get(List.of(scope, s)));
            }
        } else {
            sources.add(listByScope.get(scope));
        }
        Listed start = after == null ? null : new Listed(after.createdAt(), after.orderId());
        Instant to = filter.createdTo();
        if (to != null) {
            Listed bound = new Listed(to, ""); // every entry after it was created before `to`
            if (start == null || bound.compareTo(start) > 0) {
                start = bound;
            }
        }
        PriorityQueue<Head> heads = new PriorityQueue<>((a, b) -> a.at().compareTo(b.at()));
        for (NavigableSet<Listed> index : sources) {
            if (index == null) {
                continue;
            }
            Iterator<Listed> it = (start == null ? index : index.tailSet(start, false)).iterator();
            if (it.hasNext()) {
                heads.add(new Head(it.next(), it));
            }
        }
        Instant from = filter.createdFrom();
        List<Order> out = new ArrayList<>(Math.min(limit, 64));
        Set<String> seen = new HashSet<>();
        while (out.size() < limit && !heads.isEmpty()) {
            Head h = heads.poll();
            Listed l = h.at();
            if (from != null && l.createdAt().isBefore(from)) {
                break; // every later entry of every index is older still
            }
            Order o = orders.get(l.orderId());
            if (o != null
                    && o.scope().equals(scope)
                    && o.createdAt().equals(l.createdAt())
                    && filter.matches(o)
                    && (after == null || after.precedes(o))
                    && seen.add(o.id())) {
                out.add(o);
            }
            if (h.rest().hasNext()) {
                heads.add(new Head(h.rest().next(), h.rest()));
            }
        }
        return List.copyOf(out);
    }
}
