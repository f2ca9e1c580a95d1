package dev.orderkit.core.memory;

import dev.orderkit.core.OutboxRelay;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.observability.Instrumentation;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.OutboxEntry;
import dev.orderkit.core.spi.OutboxStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory backend's outbox: the in-memory order store and stock storage append each change's
 * events here while they hold the locks of that change, so the events of one aggregate are
 * recorded in commit order, and a relay ({@link OutboxRelay}) delivers them with retries, backoff,
 * per-aggregate ordering and dead letters, as on the other backends.
 *
 * <p>With a sink ({@link #InMemoryOutbox(EventSink)}), the stores deliver right after each change
 * on the calling thread ({@link #flush()}: what is due now, in order); an event whose delivery
 * failed stays here and is retried by a later flush once its backoff passed, or by the kit's
 * background outbox task ({@link #relay()}). Nothing is dropped on a sink failure. Delivery is at
 * least once within the process; everything here is lost with the process (as every other
 * in-memory state is). A delivered event is dropped at once, so the outbox holds only pending and
 * dead events (retention has nothing to purge).
 *
 * <p>Thread-safe: one lock guards the entries; it is taken inside the stores' own locks and never
 * calls out while held.
 */
public final class InMemoryOutbox implements OutboxStore {
    private static final class Entry {
        final long seq;
        final OrderKitEvent event;
        final Instant createdAt;
        Status status = Status.PENDING;
        int attempts;
        Instant nextAttemptAt;

        @Nullable
        String claimToken;

        @Nullable
        Instant claimedUntil;

        @Nullable
        String lastError;

        Entry(long seq, OrderKitEvent event, Instant createdAt) {
            this.seq = seq;
            this.event = event;
            this.createdAt = createdAt;
            this.nextAttemptAt = Instant.MIN;
        }

        OutboxEntry view(@Nullable String token) {
            return new OutboxEntry(seq, event, attempts, createdAt, token, lastError);
        }

        boolean claimedAt(Instant now) {
            return claimToken != null && claimedUntil != null && claimedUntil.isAfter(now);
        }
    }

    /** PENDING and DEAD events by sequence; a delivered event is dropped at once (nothing reads it). */
    private final TreeMap<Long, Entry> entries = new TreeMap<>();

    private final Map<String, Entry> byEventId = new HashMap<>();
    private long nextSeq = 1;
    private long nextClaim = 1;
    private final @Nullable OutboxRelay relay;
    private final boolean discards;

    /** An outbox nobody delivers from yet: run an {@link OutboxRelay} on it. */
    public InMemoryOutbox() {
        this.relay = null;
        this.discards = false;
    }

    /**
     * An outbox that the stores using it deliver to {@code sink} right after each change (see the
     * class comment), with {@link OutboxRelay.Settings#defaults()} and the system clock.
     *
     * @param sink where events go; a discarding sink ({@link EventSink#discards()}) makes this
     *     outbox record nothing
     */
    public InMemoryOutbox(EventSink sink) {
        this(sink, OutboxRelay.Settings.defaults(), Clock.systemUTC());
    }

    /**
     * An outbox delivered to {@code sink} after each change, with the given relay settings and clock.
     *
     * @param sink where events go
     * @param settings retry and batch settings of the relay
     * @param clock time of claims and backoffs
     */
    public InMemoryOutbox(EventSink sink, OutboxRelay.Settings settings, Clock clock) {
        Objects.requireNonNull(sink, "sink");
        this.discards = sink.discards();
        this.relay = new OutboxRelay(this, sink, settings, clock, Instrumentation.noop());
    }

    /**
     * Whether appended events go nowhere (the sink discards them): the stores skip building them.
     *
     * @return true if {@link #append} records nothing
     */
    public boolean discards() {
        return discards;
    }

    /**
     * The relay delivering this outbox to its sink, if it has one (give it to
     * {@code OrderKit.Builder#outboxPublishing} so failed events are retried without new changes).
     *
     * @return the relay, or null for an outbox made without a sink
     */
    public @Nullable OutboxRelay relay() {
        return relay;
    }

    /**
     * Records events of one change, in order; the caller holds the change's locks. An event whose
     * id is recorded already (a repeated change) is not recorded twice.
     *
     * @param events the events (recorded at their {@link OrderKitEvent#at()})
     */
    public synchronized void append(List<OrderKitEvent> events) {
        if (discards) {
            return;
        }
        for (OrderKitEvent e : events) {
            if (byEventId.containsKey(e.id())) {
                continue;
            }
            Entry entry = new Entry(nextSeq++, e, e.at());
            entries.put(entry.seq, entry);
            byEventId.put(e.id(), entry);
        }
    }

    /**
     * Records one event (see {@link #append(List)}).
     *
     * @param event the event
     */
    public void append(OrderKitEvent event) {
        append(List.of(event));
    }

    /**
     * Delivers what is due now with this outbox's relay, on the calling thread (no-op without a
     * sink). A failing sink is not thrown here: the event stays and is retried later. Call it after
     * releasing the locks of the change.
     */
    public void flush() {
        OutboxRelay r = relay;
        if (r == null || discards) {
            return;
        }
        try {
            r.drain(100);
        } catch (RuntimeException e) {
            // the store itself cannot fail; a sink failure is recorded by the relay, not thrown
        }
    }

    @Override
    public synchronized List<OutboxEntry> claim(Instant now, int limit, Instant claimUntil) {
        if (entries.isEmpty()) {
            return List.of();
        }
        List<OutboxEntry> out = new ArrayList<>();
        Set<String> blocked = new HashSet<>();
        String token = "c" + nextClaim++;
        for (Entry e : entries.values()) {
            if (out.size() >= limit) {
                break;
            }
            if (e.status != Status.PENDING) {
                continue;
            }
            String aggregate = e.event.subjectId();
            if (blocked.contains(aggregate)) {
                continue;
            }
            if (e.claimedAt(now) || e.nextAttemptAt.isAfter(now)) {
                blocked.add(aggregate); // later events of the aggregate wait for this one
                continue;
            }
            e.claimToken = token;
            e.claimedUntil = claimUntil;
            out.add(e.view(token));
        }
        return out;
    }

    private @Nullable Entry claimed(OutboxEntry entry) {
        Entry e = entries.get(entry.sequence());
        return e != null && e.status == Status.PENDING && Objects.equals(e.claimToken, entry.claimToken()) ? e : null;
    }

    @Override
    public synchronized boolean markSent(OutboxEntry entry, Instant now) {
        Entry e = claimed(entry);
        if (e == null) {
            return false;
        }
        entries.remove(e.seq); // delivered: kept nowhere (retention has nothing to purge here)
        byEventId.remove(e.event.id());
        return true;
    }

    @Override
    public synchronized boolean markFailed(
            OutboxEntry entry, int attempts, Instant nextAttemptAt, boolean dead, String error) {
        Entry e = claimed(entry);
        if (e == null) {
            return false;
        }
        e.status = dead ? Status.DEAD : Status.PENDING;
        e.attempts = attempts;
        e.nextAttemptAt = nextAttemptAt;
        e.lastError = error;
        e.claimToken = null;
        e.claimedUntil = null;
        return true;
    }

    @Override
    public synchronized void unclaim(OutboxEntry entry) {
        Entry e = claimed(entry);
        if (e != null) {
            e.claimToken = null;
            e.claimedUntil = null;
        }
    }

    @Override
    public synchronized List<OutboxEntry> deadLetters(int limit) {
        List<OutboxEntry> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (out.size() >= limit) {
                break;
            }
            if (e.status == Status.DEAD) {
                out.add(e.view(null));
            }
        }
        return out;
    }

    @Override
    public synchronized boolean redrive(String eventId, Instant now) {
        Entry e = byEventId.get(eventId);
        if (e == null || e.status != Status.DEAD) {
            return false;
        }
        e.status = Status.PENDING;
        e.attempts = 0;
        e.nextAttemptAt = now;
        return true;
    }

    /** Delivered events are not kept: always 0 for {@code SENT}. */
    @Override
    public synchronized long count(Status status) {
        long n = 0;
        for (Entry e : entries.values()) {
            if (e.status == status) {
                n++;
            }
        }
        return n;
    }

    /** Delivered events are dropped when sent: nothing to purge. */
    @Override
    public int purgeSent(Instant olderThan, int limit) {
        return 0;
    }
}
