package dev.orderkit.core.memory;

import dev.orderkit.core.spi.InboxStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import org.jspecify.annotations.Nullable;

/**
 * An {@link InboxStore} in this JVM's memory: right for a single instance and for tests; when
 * several instances receive the same messages use a shared store (orderkit-jdbc, orderkit-redis).
 * Completed records are kept until {@link #purgeCompleted} deletes them. A claim is one atomic
 * step, so it never answers {@link InboxStore.Claim#CONFLICT}.
 *
 * <p>Thread-safe and <b>linearizable</b> without a global lock: every operation,
 * {@link #purgeCompleted} included, takes effect at one instant between its call and its return (a
 * Lincheck test checks this in stress and model-checking modes). Each message id maps to one of 64
 * striped {@link java.util.concurrent.locks.StampedLock}s; {@link #claim}, {@link #complete} and
 * {@link #release} change the message's record, and its entry in the index of completed records by
 * completion time, under the stripe's write lock. A purge picks the oldest completed records from
 * that index without locks, then write-locks their stripes only if no stripe changed meanwhile
 * (retrying, and after a few attempts holding every stripe): a claim never sees some of its
 * deletions and not others.
 */
public final class InMemoryInboxStore implements InboxStore {

    /** In progress until {@code leaseUntil} ({@code null} = released), or done at {@code doneAt}. */
    private record MessageRecord(
            @Nullable Instant leaseUntil, @Nullable Instant doneAt) {}

    /** A completed record in the purge index, ordered by completion time, then id. */
    private record Done(Instant at, String messageId) implements Comparable<Done> {
        @Override
        public int compareTo(Done o) {
            int c = at.compareTo(o.at);
            return c != 0 ? c : messageId.compareTo(o.messageId);
        }
    }

    private final ConcurrentHashMap<String, MessageRecord> records = new ConcurrentHashMap<>();
    private final ConcurrentSkipListSet<Done> done = new ConcurrentSkipListSet<>();
    private final Stripes stripes;

    /** Creates an empty inbox. */
    public InMemoryInboxStore() {
        this(InMemoryOrderStore.STRIPES);
    }

    /** An empty inbox with {@code stripeCount} lock stripes (few in the Lincheck tests, see the order store). */
    InMemoryInboxStore(int stripeCount) {
        this.stripes = new Stripes(stripeCount);
    }

    @Override
    public Claim claim(String messageId, Instant now, Duration lease) {
        InboxStore.checkMessageId(messageId);
        Objects.requireNonNull(now, "now must not be null");
        InboxStore.checkLease(lease);
        return stripes.write(messageId, () -> {
            MessageRecord rec = records.get(messageId);
            if (rec != null && rec.doneAt() != null) {
                return Claim.DONE;
            }
            if (rec != null && rec.leaseUntil() != null && rec.leaseUntil().isAfter(now)) {
                return Claim.IN_PROGRESS;
            }
            records.put(messageId, new MessageRecord(now.plus(lease), null));
            return Claim.ACQUIRED;
        });
    }

    @Override
    public void complete(String messageId, Instant now) {
        InboxStore.checkMessageId(messageId);
        Objects.requireNonNull(now, "now must not be null");
        stripes.write(messageId, () -> {
            MessageRecord rec = records.get(messageId);
            if (rec == null || rec.doneAt() == null) {
                records.put(messageId, new MessageRecord(null, now));
                done.add(new Done(now, messageId));
            }
            return null;
        });
    }

    @Override
    public void release(String messageId) {
        InboxStore.checkMessageId(messageId);
        stripes.write(messageId, () -> {
            MessageRecord rec = records.get(messageId);
            if (rec != null && rec.doneAt() == null) {
                records.put(messageId, new MessageRecord(null, null));
            }
            return null;
        });
    }

    @Override
    public int purgeCompleted(Instant olderThan, int limit) {
        Objects.requireNonNull(olderThan, "olderThan must not be null");
        InboxStore.checkLimit(limit);
        return stripes.purge(
                () -> {
                    List<String> victims = new ArrayList<>();
                    for (Done d : done) {
                        if (victims.size() >= limit || !d.at().isBefore(olderThan)) {
                            break;
                        }
                        victims.add(d.messageId());
                    }
                    return victims;
                },
                id -> {
                    // a victim came from the completed index under its stripe lock: it is there, completed
                    MessageRecord rec = Objects.requireNonNull(records.remove(id), "purged message has a record");
                    done.remove(new Done(Objects.requireNonNull(rec.doneAt(), "purged message is completed"), id));
                });
    }

    /**
     * Number of records held (in progress, released or completed).
     *
     * @return the count
     */
    public int size() {
        return stripes.readAll(records::size);
    }
}
