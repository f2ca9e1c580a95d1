package dev.orderkit.core.memory;

import dev.orderkit.core.spi.InboxStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An {@link InboxStore} in this JVM's memory: right for a single instance and for tests; when
 * several instances receive the same messages use a shared store (orderkit-jdbc, orderkit-redis).
 * Each operation is one atomic {@link ConcurrentHashMap#compute} on the message's record, so it
 * is thread-safe without a global lock. Completed records are kept until
 * {@link #purgeCompleted} deletes them.
 */
public final class InMemoryInboxStore implements InboxStore {

    /** In progress until {@code leaseUntil} ({@code null} = released), or done at {@code doneAt}. */
    private record Rec(Instant leaseUntil, Instant doneAt) {
    }

    private final ConcurrentHashMap<String, Rec> records = new ConcurrentHashMap<>();

    /** Creates an empty inbox. */
    public InMemoryInboxStore() {
    }

    @Override
    public Claim claim(String messageId, Instant now, Duration lease) {
        InboxStore.checkMessageId(messageId);
        Objects.requireNonNull(now, "now must not be null");
        InboxStore.checkLease(lease);
        Claim[] out = new Claim[1];
        records.compute(messageId, (id, rec) -> {
            if (rec != null && rec.doneAt() != null) {
                out[0] = Claim.DONE;
                return rec;
            }
            if (rec != null && rec.leaseUntil() != null && rec.leaseUntil().isAfter(now)) {
                out[0] = Claim.IN_PROGRESS;
                return rec;
            }
            out[0] = Claim.ACQUIRED;
            return new Rec(now.plus(lease), null);
        });
        return out[0];
    }

    @Override
    public void complete(String messageId, Instant now) {
        InboxStore.checkMessageId(messageId);
        Objects.requireNonNull(now, "now must not be null");
        records.compute(messageId, (id, rec) -> rec != null && rec.doneAt() != null ? rec : new Rec(null, now));
    }

    @Override
    public void release(String messageId) {
        InboxStore.checkMessageId(messageId);
        records.computeIfPresent(messageId, (id, rec) -> rec.doneAt() != null ? rec : new Rec(null, null));
    }

    @Override
    public int purgeCompleted(Instant olderThan, int limit) {
        Objects.requireNonNull(olderThan, "olderThan must not be null");
        InboxStore.checkLimit(limit);
        List<String> victims = new ArrayList<>();
        for (Map.Entry<String, Rec> e : records.entrySet()) {
            if (victims.size() >= limit) {
                break;
            }
            Instant done = e.getValue().doneAt();
            if (done != null && done.isBefore(olderThan)) {
                victims.add(e.getKey());
            }
        }
        int n = 0;
        for (String id : victims) {
            boolean[] removed = {false};
            records.computeIfPresent(id, (k, rec) -> {
                if (rec.doneAt() != null && rec.doneAt().isBefore(olderThan)) {
                    removed[0] = true;
                    return null;
                }
                return rec;
            });
            if (removed[0]) {
                n++;
            }
        }
        return n;
    }

    /**
     * Number of records held (in progress, released or completed).
     *
     * @return the count
     */
    public int size() {
        return records.size();
    }
}
