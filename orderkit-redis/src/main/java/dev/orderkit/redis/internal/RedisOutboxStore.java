package dev.orderkit.redis.internal;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.OrderKitException;
import dev.orderkit.core.event.EventJson;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.spi.OutboxEntry;
import dev.orderkit.core.spi.OutboxStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAddParams;

/**
 * The Redis outbox: one stream per hash tag, into which the stock scripts append the event of
 * every change they apply, in the same script (see {@code emit} in lib.lua), and the
 * {@link OutboxStore} primitives over those streams ({@code outbox.lua}, atomic per stream).
 *
 * <p>Where an event goes ({@link #streamFor}): a reservation's events (aggregate = reservation id)
 * into the stream of its header's bucket, {@code P{r:B}:ob}, written by the script that makes the
 * header visible or moves it; a level's {@code STOCK_ADJUSTED} (aggregate {@code sku@location}) on
 * a cluster into the SKU's stream {@code P{s:SKU}:ob} (the slot of its level), on a standalone
 * server into the stream of the bucket of {@code sku@location}. So every event of one aggregate
 * lands in one stream, in commit order, and a stream's entries are exactly its pending events.
 *
 * <p>Streams are found through a registry set ({@code P{ob}:streams}): the Java side adds a stream
 * to it before the first script that may write into it (cached per instance: one command per
 * stream per process, the bucket streams all at once), so a stream holding events is never missing
 * from the registry. {@link #claim} reads the registry and runs the claim script per stream,
 * starting at a rotating stream, until {@code limit}.
 *
 * <p>{@link OutboxEntry#sequence()} is the entry's stream id ({@code ms-seq}) as {@code ms << 20 |
 * seq}: it orders the events of one stream. A redriven dead letter is appended again at its
 * stream's end (after the later events of its aggregate, delivered meanwhile), so it gets a new
 * sequence; its event id and payload are unchanged. Thread-safe.
 */
public final class RedisOutboxStore implements OutboxStore {
    /** Entries one claim script looks at, at most, per stream and call. */
    static final int SCAN_MAX = 1000;

    private static final int SEQ_BITS = 20;

    private final Redis redis;
    private final Keys keys;
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private volatile boolean bucketsRegistered;
    private final AtomicInteger rotation = new AtomicInteger();

    /**
     * Creates the store.
     *
     * @param redis script runner
     * @param keys key layout
     */
    public RedisOutboxStore(Redis redis, Keys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    // ---------------------------------------------------------------- writing side (stock scripts)

    /**
     * The stream of an event (see the class comment).
     *
     * @param event the event
     * @return its stream key
     */
    public String streamFor(OrderKitEvent event) {
        if (redis.cluster() && event.type() == EventType.STOCK_ADJUSTED) {
            String sku = event.attributes().get("sku");
            if (sku != null) {
                return keys.levelOutbox(sku);
            }
        }
        return bucketStream(event.subjectId());
    }

    /**
     * The stream of a reservation's events (its header's bucket), registered.
     *
     * @param reservationId the reservation
     * @return the stream key
     */
    public String reservationStream(String reservationId) {
        registerBuckets();
        return bucketStream(reservationId);
    }

    /**
     * The stream of a level's events, registered.
     *
     * @param sku the level's SKU
     * @param subject the level's aggregate id ({@code sku@location})
     * @return the stream key
     */
    public String levelStream(String sku, String subject) {
        if (!redis.cluster()) {
            registerBuckets();
            return bucketStream(subject);
        }
        String stream = keys.levelOutbox(sku);
        register(stream);
        return stream;
    }

    private String bucketStream(String aggregate) {
        return keys.outbox(keys.bucket(aggregate));
    }

    /** Adds every bucket stream to the registry, once per instance (one SADD). */
    private void registerBuckets() {
        if (bucketsRegistered) {
            return;
        }
        String[] all = new String[keys.buckets()];
        for (int b = 0; b < all.length; b++) {
            all[b] = keys.outbox(b);
        }
        redis.call(() -> redis.client().sadd(keys.outboxRegistry(), all));
        registered.addAll(List.of(all));
        bucketsRegistered = true;
    }

    private void register(String stream) {
        if (registered.contains(stream)) {
            return;
        }
        redis.call(() -> redis.client().sadd(keys.outboxRegistry(), stream));
        registered.add(stream);
    }

    /**
     * An event as the scripts take it: its {@link EventJson} text.
     *
     * @param event the event
     * @return the JSON
     */
    public static String json(OrderKitEvent event) {
        return new String(EventJson.toBytes(event), StandardCharsets.UTF_8);
    }

    /**
     * Appends an event recorded outside the stock scripts (e.g. by an order store that delivers its
     * events into this outbox, so that an order's events and its hold's events are one ordered
     * stream). One XADD; not idempotent: a repeat appends the event again (same id).
     *
     * @param event the event
     * @throws BackendUnavailableException if Redis fails
     */
    public void append(OrderKitEvent event) {
        String stream = streamFor(event);
        if (stream.startsWith(keys.prefix() + "{r:")) {
            registerBuckets();
        } else {
            register(stream);
        }
        redis.call(() -> redis.client()
                .xadd(
                        stream,
                        XAddParams.xAddParams().id(StreamEntryID.NEW_ENTRY),
                        Map.of("a", event.subjectId(), "e", json(event))));
    }

    // ---------------------------------------------------------------- delivery primitives

    private static List<String> sideKeys(String stream) {
        return List.of(stream, stream + ":c", stream + ":s", stream + ":d");
    }

    private List<String> streams() {
        Set<String> all = redis.call(() -> redis.client().smembers(keys.outboxRegistry()));
        List<String> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.naturalOrder());
        return sorted;
    }

    @Override
    public List<OutboxEntry> claim(Instant now, int limit, Instant claimUntil) {
        List<String> streams = streams();
        List<OutboxEntry> out = new ArrayList<>();
        if (streams.isEmpty()) {
            return out;
        }
        String token = UUID.randomUUID().toString();
        int start = Math.floorMod(rotation.getAndIncrement(), streams.size());
        for (int i = 0; i < streams.size() && out.size() < limit; i++) {
            String stream = streams.get((start + i) % streams.size());
            List<String> r = redis.evalList(
                    Redis.Script.OUTBOX,
                    sideKeys(stream),
                    List.of(
                            "claim",
                            Long.toString(now.toEpochMilli()),
                            Integer.toString(limit - out.size()),
                            Long.toString(claimUntil.toEpochMilli()),
                            token,
                            Integer.toString(Math.max(SCAN_MAX, 4 * limit))));
            if (r.size() % 4 != 0) {
                throw unexpected("outbox.lua claim", r);
            }
            for (int j = 0; j < r.size(); j += 4) {
                OrderKitEvent event = event(r.get(j + 3));
                String error = r.get(j + 2);
                out.add(new OutboxEntry(
                        sequence(r.get(j)),
                        event,
                        Integer.parseInt(r.get(j + 1)),
                        event.at(),
                        token,
                        error == null || error.isEmpty() ? null : error));
            }
        }
        // streams are ordered each; across streams, entry ids (server time) approximate commit order
        out.sort(Comparator.comparingLong(OutboxEntry::sequence));
        return out;
    }

    private long mark(OutboxEntry entry, List<String> args) {
        String stream = streamFor(entry.event());
        Object r = redis.eval(Redis.Script.OUTBOX, sideKeys(stream), args);
        if (r instanceof Long n) {
            return n;
        }
        throw unexpected("outbox.lua " + args.get(0), r);
    }

    @Override
    public boolean markSent(OutboxEntry entry, Instant now) {
        return mark(
                        entry,
                        List.of(
                                "sent",
                                entryId(entry.sequence()),
                                token(entry),
                                Long.toString(now.toEpochMilli()),
                                entry.event().id()))
                == 1;
    }

    @Override
    public boolean markFailed(OutboxEntry entry, int attempts, Instant nextAttemptAt, boolean dead, String error) {
        return mark(
                        entry,
                        List.of(
                                "fail",
                                entryId(entry.sequence()),
                                token(entry),
                                Integer.toString(attempts),
                                Long.toString(nextAttemptAt.toEpochMilli()),
                                dead ? "1" : "0",
                                error.length() > 1000 ? error.substring(0, 1000) : error,
                                entry.event().id()))
                == 1;
    }

    @Override
    public void unclaim(OutboxEntry entry) {
        mark(entry, List.of("unclaim", entryId(entry.sequence()), token(entry)));
    }

    private static String token(OutboxEntry entry) {
        String t = entry.claimToken();
        return t == null ? "" : t; // no claim: matches no record with a claim ('' is never a token of one)
    }

    @Override
    public List<OutboxEntry> deadLetters(int limit) {
        List<OutboxEntry> out = new ArrayList<>();
        for (String stream : streams()) {
            Map<String, String> dead = redis.call(() -> redis.client().hgetAll(stream + ":d"));
            for (String rec : dead.values()) {
                out.add(deadLetter(rec));
            }
        }
        out.sort(Comparator.comparing(OutboxEntry::createdAt).thenComparingLong(OutboxEntry::sequence));
        return out.size() > limit ? List.copyOf(out.subList(0, limit)) : out;
    }

    /** A dead letter record {@code entryId|attempts|errorBytes|aggregateBytes|<error><aggregate><json>}. */
    private static OutboxEntry deadLetter(String rec) {
        try {
            String[] head = rec.split("\\|", 5);
            byte[] rest = head[4].getBytes(StandardCharsets.UTF_8);
            int errorLength = Integer.parseInt(head[2]);
            int aggregateLength = Integer.parseInt(head[3]);
            String error = new String(rest, 0, errorLength, StandardCharsets.UTF_8);
            int json = errorLength + aggregateLength;
            OrderKitEvent event = event(new String(rest, json, rest.length - json, StandardCharsets.UTF_8));
            return new OutboxEntry(
                    sequence(head[0]),
                    event,
                    Integer.parseInt(head[1]),
                    event.at(),
                    null,
                    error.isEmpty() ? null : error);
        } catch (RuntimeException e) {
            throw unexpected("a dead letter", rec);
        }
    }

    @Override
    public boolean redrive(String eventId, Instant now) {
        Objects.requireNonNull(eventId, "eventId");
        for (String stream : streams()) {
            Object r = redis.eval(Redis.Script.OUTBOX, sideKeys(stream), List.of("redrive", eventId));
            if (Long.valueOf(1).equals(r)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public long count(Status status) {
        long n = 0;
        for (String stream : streams()) {
            n += switch (status) {
                case PENDING -> redis.call(() -> redis.client().xlen(stream));
                case SENT -> redis.call(() -> redis.client().zcard(stream + ":s"));
                case DEAD -> redis.call(() -> redis.client().hlen(stream + ":d"));
            };
        }
        return n;
    }

    @Override
    public int purgeSent(Instant olderThan, int limit) {
        int total = 0;
        for (String stream : streams()) {
            if (total >= limit) {
                break;
            }
            Object r = redis.eval(
                    Redis.Script.OUTBOX,
                    sideKeys(stream),
                    List.of("purge", Long.toString(olderThan.toEpochMilli()), Integer.toString(limit - total)));
            if (!(r instanceof Long n)) {
                throw unexpected("outbox.lua purge", r);
            }
            total += n.intValue();
        }
        return total;
    }

    // ---------------------------------------------------------------- encoding

    /**
     * The sequence of a stream entry id {@code ms-seq}: {@code ms << 20 | seq}.
     *
     * @param entryId the stream entry id
     * @return the sequence
     */
    static long sequence(String entryId) {
        int dash = entryId.indexOf('-');
        long ms = Long.parseLong(entryId.substring(0, dash));
        long seq = Long.parseLong(entryId.substring(dash + 1));
        if (seq >= (1L << SEQ_BITS) || ms >= (1L << (63 - SEQ_BITS))) {
            throw new BackendUnavailableException("outbox entry id out of range: " + entryId, null);
        }
        return ms << SEQ_BITS | seq;
    }

    /**
     * The stream entry id of a sequence (see {@link #sequence(String)}).
     *
     * @param sequence the sequence
     * @return the entry id
     */
    static String entryId(long sequence) {
        return (sequence >>> SEQ_BITS) + "-" + (sequence & ((1L << SEQ_BITS) - 1));
    }

    private static OrderKitEvent event(@Nullable String json) {
        if (json == null) {
            throw unexpected("an outbox entry", "no event");
        }
        try {
            return EventJson.fromBytes(json.getBytes(StandardCharsets.UTF_8));
        } catch (OrderKitException e) {
            throw unexpected("an outbox entry", json);
        }
    }

    private static BackendUnavailableException unexpected(String what, Object reply) {
        return new BackendUnavailableException("unexpected reply of " + what + ": " + reply, null);
    }
}
