package dev.orderkit.jdbc.internal;

import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.KeyRecord;
import dev.orderkit.core.spi.ScopedKey;
import dev.orderkit.jdbc.JdbcDialect;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * {@link IdempotencyStore} on SQL: one row per (scope, key) primary key. {@code insert} is an
 * insert-if-absent on the primary key, {@code replace} an {@code UPDATE ... WHERE version = ?}; each
 * is a single auto-committed statement, so exactly one of any number of concurrent writers, in any
 * process, wins. What the rows mean is core's ({@link dev.orderkit.core.spi.ClaimTable}). Instants
 * are BIGINT nanoseconds since the epoch; no lease is {@link Long#MIN_VALUE}. Thread-safe.
 */
public final class JdbcIdempotencyStore implements IdempotencyStore {
    private static final long NO_LEASE = Long.MIN_VALUE;
    private static final String COLUMNS =
            "fingerprint, resource_id, claimant, token, resumed, lease_until, completed, response, retain_until, version";

    private final Db db;

    /**
     * Creates the store.
     *
     * @param db plumbing
     */
    public JdbcIdempotencyStore(Db db) {
        this.db = db;
    }

    @Override
    public Optional<KeyRecord> read(ScopedKey key) {
        return db.read(
                "read key " + key.key(),
                tx -> tx.handle()
                        .createQuery(db.sql(
                                "SELECT " + COLUMNS + " FROM {p}idempotency WHERE scope = :scope AND idem_key = :k"))
                        .bind("scope", key.scope().value())
                        .bind("k", key.key().value())
                        .map((rs, ctx) -> record(rs))
                        .findOne());
    }

    private static KeyRecord record(ResultSet rs) throws SQLException {
        long lease = rs.getLong("lease_until");
        boolean completed = rs.getBoolean("completed");
        long retain = rs.getLong("retain_until");
        boolean noRetain = rs.wasNull();
        return new KeyRecord(
                rs.getString("fingerprint"),
                rs.getString("resource_id"),
                rs.getString("claimant"),
                rs.getLong("token"),
                rs.getBoolean("resumed"),
                completed || lease == NO_LEASE ? null : Db.instant(lease),
                completed ? rs.getString("response") : null,
                completed && !noRetain ? Db.instant(retain) : null,
                rs.getLong("version"));
    }

    /** Binds the columns of a record (named like {@link #COLUMNS}, prefixed with {@code r_}). */
    private static <S extends SqlStatement<S>> S bind(S statement, KeyRecord r) {
        return statement
                .bind("r_fingerprint", r.fingerprint())
                .bind("r_resource_id", r.resourceId())
                .bind("r_claimant", r.claimant())
                .bind("r_token", r.token())
                .bind("r_resumed", r.resumed())
                .bind("r_lease_until", r.leaseUntil() == null ? NO_LEASE : Db.nanos(r.leaseUntil()))
                .bind("r_completed", r.completed())
                .bind("r_response", r.response())
                .bind("r_retain_until", r.retainUntil() == null ? null : Db.nanos(r.retainUntil()))
                .bind("r_version", r.version());
    }

    @Override
    public boolean insert(ScopedKey key, KeyRecord record) {
        String sql = "INSERT INTO {p}idempotency (scope, idem_key, " + COLUMNS + ") VALUES (:scope, :k, "
                + ":r_fingerprint, :r_resource_id, :r_claimant, :r_token, :r_resumed, :r_lease_until, :r_completed, "
                + ":r_response, :r_retain_until, :r_version)";
        boolean pg = db.dialect() == JdbcDialect.POSTGRESQL;
        return db.read("insert key " + key.key(), tx -> {
            try {
                return bind(tx.handle().createUpdate(db.sql(pg ? sql + " ON CONFLICT DO NOTHING" : sql)), record)
                                .bind("scope", key.scope().value())
                                .bind("k", key.key().value())
                                .execute()
                        == 1;
            } catch (UnableToExecuteStatementException e) {
                if (!pg && Db.isDuplicate(e)) {
                    return false; // the key has a record
                }
                throw e;
            }
        });
    }

    @Override
    public boolean replace(ScopedKey key, long expectedVersion, KeyRecord next) {
        return db.read(
                        "replace key " + key.key(),
                        tx -> bind(
                                        tx.handle()
                                                .createUpdate(
                                                        db.sql(
                                                                "UPDATE {p}idempotency SET fingerprint = :r_fingerprint, "
                                                                        + "resource_id = :r_resource_id, claimant = :r_claimant, token = :r_token, "
                                                                        + "resumed = :r_resumed, lease_until = :r_lease_until, "
                                                                        + "completed = :r_completed, response = :r_response, "
                                                                        + "retain_until = :r_retain_until, version = :r_version "
                                                                        + "WHERE scope = :scope AND idem_key = :k AND version = :expected")),
                                        next)
                                .bind("scope", key.scope().value())
                                .bind("k", key.key().value())
                                .bind("expected", expectedVersion)
                                .execute())
                == 1;
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
