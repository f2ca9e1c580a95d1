package dev.orderkit.redis.internal;

import dev.orderkit.core.StockKey;
import dev.orderkit.core.spi.ScopedKey;

/**
 * The key layout (see the module README). Immutable and thread-safe.
 *
 * <pre>
 * P{s:SKU}:l:LOC        hash   stock level: oh, rs, v, ts, sku, loc
 * P{s:SKU}:m:LOC        list   movements of the level, append-only
 * P{s:SKU}:w:LOC        hash   applied adjust / setOnHand writes of the level: reference -> arguments and result
 * P{s:SKU}:locs         set    locations of the SKU
 * P{s:SKU}:due          zset   HELD reservation parts touching the SKU, score = expiry ms
 * P{s:SKU}:act          set    active (HELD / COMMITTED) reservation parts touching the SKU (merged
 *                              records: header keys): the drift check's index of holds by SKU
 * P{s:SKU}:mp:LOC       hash   movement positions of the level: base (entries folded away), snap (position
 *                              of the head snapshot); see compact_movements.lua
 * P{s:SKU}:p:ID:ATT     hash   reservation part: lines of one slot (anchor SKU = first SKU of the part)
 * P{r:B}:h:ID           hash   reservation header (B = bucket of the id; raw id after the tag)
 * P{r:B}:due            zset   ids of HELD / unfinished reservations of bucket B
 * P{r:B}:done           zset   ids of final (expired, released, fulfilled, aborted) reservations of bucket B,
 *                              score = seconds part of the time encoding of the final change (retention purge)
 * P{i:B}:k:SCOPE:KEY    hash   idempotency record (B = bucket of scope+key)
 * P{i:B}:retain         zset   completed records of bucket B, score = retain-until ms
 * P{in:B}:m:ID          hash   inbox message: lease (time, '' = released), done (time) (B = bucket of the id)
 * P{in:B}:done          zset   completed inbox messages of bucket B (record keys), score = completion ms
 * P{r:B}:ob             stream outbox of bucket B: the pending events of the reservations (and, standalone,
 *                              of the levels and any other aggregate) whose id falls in bucket B; fields
 *                              a (aggregate id), e (event JSON, EventJson)
 * P{s:SKU}:ob           stream cluster only: outbox of the STOCK_ADJUSTED events of the SKU's levels
 * STREAM:c              hash   claims and failures of entries of STREAM: entry id -> token|claimUntilMs|
 *                              attempts|nextAttemptMs|error (only entries claimed or failed once)
 * STREAM:s              zset   sent events of STREAM (event ids), score = send ms (count, retention)
 * STREAM:d              hash   dead letters of STREAM: event id -> entryId|attempts|#error|#a|<error><a><json>
 * P{ob}:streams         set    registry of every outbox stream key (added before the first write into it)
 * </pre>
 */
public final class Keys {
    private final String prefix;
    private final int buckets;

    /**
     * Creates the layout.
     *
     * @param prefix key prefix (validated by the caller)
     * @param buckets number of header / idempotency buckets (same for every process)
     */
    public Keys(String prefix, int buckets) {
        this.prefix = prefix;
        this.buckets = buckets;
    }

    /** @return the prefix */
    public String prefix() {
        return prefix;
    }

    /** @return the number of buckets */
    public int buckets() {
        return buckets;
    }

    private String sku(String sku) {
        return prefix + "{s:" + Codec.escape(sku) + "}:";
    }

    /** @param k level @return level hash key */
    public String level(StockKey k) {
        return sku(k.sku()) + "l:" + Codec.escape(k.location());
    }

    /** @param sku SKU @return prefix of its level keys (append the escaped location) */
    public String levelPrefix(String sku) {
        return sku(sku) + "l:";
    }

    /** @param k level @return movement list key */
    public String movements(StockKey k) {
        return sku(k.sku()) + "m:" + Codec.escape(k.location());
    }

    /** @param k level @return hash of the adjust / setOnHand writes applied to the level, by reference */
    public String writes(StockKey k) {
        return sku(k.sku()) + "w:" + Codec.escape(k.location());
    }

    /** @param k level @return hash of the positions of the level's movements (base, snap) */
    public String movementPositions(StockKey k) {
        return sku(k.sku()) + "mp:" + Codec.escape(k.location());
    }

    /** @param sku SKU @return set of the active holds touching the SKU (drift check) */
    public String skuActive(String sku) {
        return sku(sku) + "act";
    }

    /** @param sku SKU @return location set key */
    public String locations(String sku) {
        return sku(sku) + "locs";
    }

    /** @param sku SKU @return due set of parts touching the SKU */
    public String skuDue(String sku) {
        return sku(sku) + "due";
    }

    /**
     * @param anchorSku first SKU of the part
     * @param id reservation id
     * @param attempt attempt number of the header
     * @return part hash key
     */
    public String part(String anchorSku, String id, long attempt) {
        return sku(anchorSku) + "p:" + Codec.escape(id) + ":" + attempt;
    }

    /** @param id reservation id @return its bucket */
    public int bucket(String id) {
        return (id.hashCode() & 0x7fffffff) % buckets;
    }

    /** @param bucket bucket @return header key prefix of the bucket (append the escaped id) */
    public String headerPrefix(int bucket) {
        return prefix + "{r:" + bucket + "}:h:";
    }

    /** @param id reservation id @return header key */
    public String header(String id) {
        return headerPrefix(bucket(id)) + id;
    }

    /** @param bucket bucket @return due index of reservation headers */
    public String headerDue(int bucket) {
        return prefix + "{r:" + bucket + "}:due";
    }

    /** @param bucket bucket @return index of the final reservation headers of the bucket (retention) */
    public String headerDone(int bucket) {
        return prefix + "{r:" + bucket + "}:done";
    }

    /** @param key scoped key @return idempotency record key */
    public String idempotency(ScopedKey key) {
        String s =
                Codec.escape(key.scope().value()) + ":" + Codec.escape(key.key().value());
        return prefix + "{i:" + idempotencyBucket(key) + "}:k:" + s;
    }

    /** @param key scoped key @return bucket of the record */
    public int idempotencyBucket(ScopedKey key) {
        return ((key.scope().value() + "\n" + key.key().value()).hashCode() & 0x7fffffff) % buckets;
    }

    /** @param bucket bucket @return retain index of completed records */
    public String retainIndex(int bucket) {
        return prefix + "{i:" + bucket + "}:retain";
    }

    /** @param messageId inbox message id @return its bucket */
    public int inboxBucket(String messageId) {
        return (messageId.hashCode() & 0x7fffffff) % buckets;
    }

    /** @param messageId inbox message id @return the message record key */
    public String inboxMessage(String messageId) {
        return prefix + "{in:" + inboxBucket(messageId) + "}:m:" + Codec.escape(messageId);
    }

    /** @param bucket bucket @return the index of completed inbox messages of the bucket */
    public String inboxDone(int bucket) {
        return prefix + "{in:" + bucket + "}:done";
    }

    /** @param bucket bucket @return the outbox stream of the bucket */
    public String outbox(int bucket) {
        return prefix + "{r:" + bucket + "}:ob";
    }

    /** @param sku SKU @return the outbox stream of the SKU's level events (cluster layout) */
    public String levelOutbox(String sku) {
        return sku(sku) + "ob";
    }

    /** @return the registry of outbox streams */
    public String outboxRegistry() {
        return prefix + "{ob}:streams";
    }

    /** @return SCAN pattern of level hashes */
    public String levelPattern() {
        return prefix + "{s:*}:l:*";
    }

    /** @return SCAN pattern of reservation parts (cluster layout) */
    public String partPattern() {
        return prefix + "{s:*}:p:*";
    }

    /** @return SCAN pattern of reservation headers */
    public String headerPattern() {
        return prefix + "{r:*}:h:*";
    }

    /** @return SCAN pattern of every key of this prefix */
    public String allPattern() {
        return prefix + "{*";
    }
}
