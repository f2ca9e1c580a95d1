package dev.orderkit.jdbc.internal;

import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.LeaseLostException;
import dev.orderkit.core.spi.ClaimResult;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.ScopedKey;
import dev.orderkit.jdbc.JdbcDialect;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.jspecify.annotations.Nullable;

/**
 * {@link IdempotencyStore} on SQL. A claim is an insert-if-absent on the (scope, key) primary key;
 * when the row exists, a takeover of an expired or released lease is a conditional update that
 * matches only the token that was read and increments it (the fencing token), so exactly one of
 * any number of concurrent claimers, in any process, acquires the lease. {@code complete} and
 * {@code release} are updates conditional on the token. Thread-safe.
 */
public final class JdbcIdempotencyStore implements IdempotencyStore {
    private static final int CLAIM_ATTEMPTS = 20;
    private final Db db;

    /**
     * Creates the store.
     *
     * @param db plumbing
     */
    public JdbcIdempotencyStore(Db db) {
        this.db = db;
    }

    private record KeyRow(
            String fingerprint,
            String resourceId,
            long token,
            long leaseUntil,
            boolean completed,
            @Nullable String response,
            @Nullable Long retainUntil) {}

    private Optional<KeyRow> find(Handle h, ScopedKey key) {
        return h.createQuery(db.sql("SELECT fingerprint, resource_id, token, lease_until, completed, response, "
                        + "retain_until FROM {p}idempotency WHERE scope = :scope AND idem_key = :k"))
                .bind("scope", key.scope().value())
                .bind("k", key.key().value())
                .map((rs, ctx) -> {
                    long ru = rs.getLong("retain_until");
                    Long retain = rs.wasNull() ? null : ru;
                    return new KeyRow(
                            rs.getString("fingerprint"),
                            rs.getString("resource_id"),
                            rs.getLong("token"),
                            rs.getLong("lease_until"),
                            rs.getBoolean("completed"),
                            rs.getString("response"),
                            retain);
                })
                .findOne();
    }

    private boolean insert(Handle h, ScopedKey key, String fingerprint, String resourceId, long leaseUntil) {
        String sql = "INSERT INTO {p}idempotency (scope, idem_key, fingerprint, resource_id, token, lease_until, "
                + "completed, response, retain_until) VALUES (:scope, :k, :fp, :rid, 1, :lease, :f, NULL, NULL)";
        boolean pg = db.dialect() == JdbcDialect.POSTGRESQL;
        try {
            return h.createUpdate(db.sql(pg ? sql + " ON CONFLICT DO NOTHING" : sql))
                            .bind("scope", key.scope().value())
                            .bind("k", key.key().value())
                            .bind("fp", fingerprint)
                            .bind("rid", resourceId)
                            .bind("lease", leaseUntil)
                            .bind("f", false)
                            .execute()
                    == 1;
        } catch (UnableToExecuteStatementException e) {
            if (!pg && Db.isDuplicate(e)) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public ClaimResult claim(ScopedKey key, String fingerprint, String newResourceId, Instant now, Duration lease) {
        long nowN = Db.nanos(now);
        long until = Db.nanos(now.plus(lease));
        for (int attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
            // each step is a single auto-committed statement: the primary key and the token make it atomic
            // empty: lost a race with another claimer or a purge; try again
            Optional<ClaimResult> result = db.read("claim " + key.key(), tx -> {
                Handle h = tx.handle();
                if (insert(h, key, fingerprint, newResourceId, until)) {
                    return Optional.of(new ClaimResult.Acquired(1, newResourceId, false));
                }
                KeyRow rec = find(h, key).orElse(null);
                if (rec == null) {
                    return Optional.empty(); // purged between the insert and the read: try again
                }
                if (rec.completed() && rec.retainUntil() != null && rec.retainUntil() <= nowN) {
                    // retention over: the key starts afresh (token keeps growing so no old holder matches)
                    int n = h.createUpdate(db.sql("UPDATE {p}idempotency SET fingerprint = :fp, resource_id = :rid, "
                                    + "token = token + 1, lease_until = :lease, completed = :f, response = NULL, "
                                    + "retain_until = NULL WHERE scope = :scope AND idem_key = :k AND token = :t "
                                    + "AND completed = :tr AND retain_until <= :now"))
                            .bind("fp", fingerprint)
                            .bind("rid", newResourceId)
                            .bind("lease", until)
                            .bind("f", false)
                            .bind("scope", key.scope().value())
                            .bind("k", key.key().value())
                            .bind("t", rec.token())
                            .bind("tr", true)
                            .bind("now", nowN)
                            .execute();
                    return n == 1
                            ? Optional.of(new ClaimResult.Acquired(rec.token() + 1, newResourceId, false))
                            : Optional.empty();
                }
                if (!rec.fingerprint().equals(fingerprint)) {
                    return Optional.of(new ClaimResult.Mismatch(rec.fingerprint()));
                }
                if (rec.completed()) {
                    String response = Objects.requireNonNull(rec.response(), "a completed record has a response");
                    return Optional.of(new ClaimResult.Completed(rec.resourceId(), response));
                }
                if (rec.leaseUntil() > nowN) {
                    return Optional.of(new ClaimResult.InProgress(Db.instant(rec.leaseUntil())));
                }
                int n = h.createUpdate(db.sql("UPDATE {p}idempotency SET token = token + 1, lease_until = :lease "
                                + "WHERE scope = :scope AND idem_key = :k AND token = :t AND completed = :f "
                                + "AND lease_until <= :now"))
                        .bind("lease", until)
                        .bind("scope", key.scope().value())
                        .bind("k", key.key().value())
                        .bind("t", rec.token())
                        .bind("f", false)
                        .bind("now", nowN)
                        .execute();
                return n == 1
                        ? Optional.of(new ClaimResult.Acquired(rec.token() + 1, rec.resourceId(), true))
                        : Optional.empty();
            });
            if (result.isPresent()) {
                return result.get();
            }
        }
        throw new ConcurrencyConflictException("idempotency key " + key + " kept changing during claim");
    }

    @Override
    public void complete(ScopedKey key, long fencingToken, String response, Instant now, Instant retainUntil) {
        int n = db.read(
                "complete " + key.key(),
                tx -> tx.handle()
                        .createUpdate(db.sql("UPDATE {p}idempotency SET completed = :tr, "
                                + "response = :resp, lease_until = :now, "
                                + "retain_until = :retain WHERE scope = :scope AND "
                                + "idem_key = :k AND token = :t AND completed = :f"))
                        .bind("tr", true)
                        .bind("resp", response)
                        .bind("now", Db.nanos(now))
                        .bind("retain", Db.nanos(retainUntil))
                        .bind("scope", key.scope().value())
                        .bind("k", key.key().value())
                        .bind("t", fencingToken)
                        .bind("f", false)
                        .execute());
        if (n != 1) {
            throw new LeaseLostException("lease token " + fencingToken + " on " + key + " is no longer current");
        }
    }

    @Override
    public void release(ScopedKey key, long fencingToken) {
        int n = db.read(
                "release " + key.key(),
                tx -> tx.handle()
                        .createUpdate(db.sql("UPDATE {p}idempotency SET lease_until = :min "
                                + "WHERE scope = :scope AND idem_key = :k AND token = :t AND completed = :f"))
                        .bind("min", Long.MIN_VALUE)
                        .bind("scope", key.scope().value())
                        .bind("k", key.key().value())
                        .bind("t", fencingToken)
                        .bind("f", false)
                        .execute());
        if (n != 1) {
            throw new LeaseLostException("lease token " + fencingToken + " on " + key + " is no longer current");
        }
    }

    @Override
    public int purgeExpired(Instant now, int limit) {
        long nowN = Db.nanos(now);
        return db.tx("purge idempotency keys", tx -> {
            Handle h = tx.handle();
            record K(String scope, String key) {}
            List<K> victims = h.createQuery(db.sql("SELECT scope, idem_key FROM {p}idempotency "
                            + "WHERE completed = :tr AND retain_until <= :now ORDER BY retain_until LIMIT :lim"))
                    .bind("tr", true)
                    .bind("now", nowN)
                    .bind("lim", limit)
                    .map((rs, ctx) -> new K(rs.getString("scope"), rs.getString("idem_key")))
                    .list();
            if (victims.isEmpty()) {
                return 0;
            }
            String del = db.sql("DELETE FROM {p}idempotency WHERE scope = :scope AND idem_key = :k "
                    + "AND completed = :tr AND retain_until <= :now");
            int n = 0;
            if (db.dialect().reliableBatchCounts()) {
                PreparedBatch b = h.prepareBatch(del);
                for (K v : victims) {
                    b.bind("scope", v.scope())
                            .bind("k", v.key())
                            .bind("tr", true)
                            .bind("now", nowN)
                            .add();
                }
                for (int c : b.execute()) {
                    n += c;
                }
            } else {
                for (K v : victims) {
                    n += h.createUpdate(del)
                            .bind("scope", v.scope())
                            .bind("k", v.key())
                            .bind("tr", true)
                            .bind("now", nowN)
                            .execute();
                }
            }
            return n;
        });
    }

    /**
     * Test/ops helper: the number of records.
     *
     * @return the count
     */
    public long count() {
        return db.read(
                "count keys",
                tx -> tx.handle()
                        .createQuery(db.sql("SELECT COUNT(*) FROM {p}idempotency"))
                        .mapTo(Long.class)
                        .one());
    }
}
