package dev.orderkit.stripe;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link WebhookInbox} in this JVM's memory: right for one instance or for tests; use a shared
 * store when several instances receive webhooks. Thread-safe (per-event atomic updates of a
 * {@link ConcurrentHashMap}). Processed ids are kept for {@code retention} (Stripe retries a
 * delivery for up to three days), then purged lazily.
 */
public final class InMemoryWebhookInbox implements WebhookInbox {
    private static final int PURGE_EVERY = 1024;

    /** Entry: in progress until {@code until}, or done at {@code doneAt}. */
    private record Entry(Instant until, Instant doneAt) {
    }

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final Duration retention;
    private final AtomicInteger claims = new AtomicInteger();

    /** Creates an inbox keeping processed ids for 4 days. */
    public InMemoryWebhookInbox() {
        this(Duration.ofDays(4));
    }

    /**
     * Creates an inbox.
     *
     * @param retention how long processed event ids are remembered (positive)
     * @throws IllegalArgumentException if not positive
     */
    public InMemoryWebhookInbox(Duration retention) {
        Objects.requireNonNull(retention, "retention");
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("retention must be positive");
        }
        this.retention = retention;
    }

    @Override
    public Claim claim(String eventId, Instant now, Duration lease) {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(lease, "lease");
        if (claims.incrementAndGet() % PURGE_EVERY == 0) {
            purge(now);
        }
        Claim[] answer = new Claim[1];
        entries.compute(eventId, (id, e) -> {
            if (e != null && e.doneAt() != null) {
                answer[0] = Claim.DONE;
                return e;
            }
            if (e != null && now.isBefore(e.until())) {
                answer[0] = Claim.IN_PROGRESS;
                return e;
            }
            answer[0] = Claim.ACQUIRED;
            return new Entry(now.plus(lease), null);
        });
        return answer[0];
    }

    @Override
    public void complete(String eventId, Instant now) {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(now, "now");
        entries.put(eventId, new Entry(null, now));
    }

    @Override
    public void release(String eventId) {
        Objects.requireNonNull(eventId, "eventId");
        entries.computeIfPresent(eventId, (id, e) -> e.doneAt() == null ? null : e);
    }

    /**
     * Forgets processed ids older than the retention.
     *
     * @param now current time
     * @return how many were forgotten
     */
    public int purge(Instant now) {
        Instant cutoff = now.minus(retention);
        int[] n = {0};
        entries.entrySet().removeIf(en -> {
            Entry e = en.getValue();
            boolean old = e.doneAt() != null && e.doneAt().isBefore(cutoff);
            if (old) {
                n[0]++;
            }
            return old;
        });
        return n[0];
    }

    /**
     * Number of remembered events (processed or in progress).
     *
     * @return the size
     */
    public int size() {
        return entries.size();
    }
}
