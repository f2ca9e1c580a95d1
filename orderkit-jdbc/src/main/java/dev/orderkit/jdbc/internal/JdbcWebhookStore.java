package dev.orderkit.jdbc.internal;

import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.jdbc.JdbcDialect;
import dev.orderkit.webhooks.WebhookDelivery;
import dev.orderkit.webhooks.WebhookDelivery.Status;
import dev.orderkit.webhooks.WebhookStore;
import dev.orderkit.webhooks.WebhookSubscription;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.jspecify.annotations.Nullable;

/**
 * The {@link WebhookStore} of orderkit-webhooks on the JDBC backend's database (tables
 * {@code webhook_subscription} and {@code webhook_delivery}, schema v11): one row per delivery,
 * keyed by the SHA-256 of its id, so recording a delivery again inserts nothing ({@code ON CONFLICT
 * DO NOTHING} on PostgreSQL, a caught duplicate-key failure elsewhere). A claim is one conditional
 * {@code UPDATE} of the row (pending, due, no live claim) that writes a fresh token and the lease,
 * so racing claimants on any number of processes have one winner (the row lock serializes them and
 * the losers re-check the condition); every mark and unclaim is conditional on that token. The
 * dispatcher decides; these are atomic primitives. Thread-safe.
 *
 * <p>Loaded only when {@code JdbcWebhooks.store(backend)} is called: orderkit-webhooks is an
 * optional dependency of orderkit-jdbc.
 */
public final class JdbcWebhookStore implements WebhookStore {
    private static final int MAX_ERROR = 1000;
    private static final String COLUMNS = "id, subscription_id, payload, status, attempts, last_error, "
            + "next_attempt_at, claimed_until, created_at, updated_at";

    private final Db db;

    private JdbcWebhookStore(Db db) {
        this.db = db;
    }

    /**
     * Creates the store.
     *
     * @param db the database
     * @return the store
     */
    public static WebhookStore create(Db db) {
        return new JdbcWebhookStore(db);
    }

    /** The row key of a delivery id: lower-case hex SHA-256 of its UTF-8 bytes. */
    static String key(String deliveryId) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(deliveryId.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public void saveSubscription(WebhookSubscription subscription) {
        Objects.requireNonNull(subscription, "subscription");
        String body = Codec.write(subscription);
        String sql = switch (db.dialect()) {
            case POSTGRESQL ->
                "INSERT INTO {p}webhook_subscription (id, body) VALUES (:id, :body) "
                        + "ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body";
            case MYSQL ->
                "INSERT INTO {p}webhook_subscription (id, body) VALUES (:id, :body) "
                        + "ON DUPLICATE KEY UPDATE body = VALUES(body)";
            default -> "MERGE INTO {p}webhook_subscription (id, body) KEY (id) VALUES (:id, :body)";
        };
        db.read(
                "save webhook subscription",
                tx -> tx.handle()
                        .createUpdate(db.sql(sql))
                        .bind("id", subscription.id())
                        .bind("body", body)
                        .execute());
    }

    @Override
    public boolean removeSubscription(String id) {
        Objects.requireNonNull(id, "id");
        return db.read(
                        "remove webhook subscription",
                        tx -> tx.handle()
                                .createUpdate(db.sql("DELETE FROM {p}webhook_subscription WHERE id = :id"))
                                .bind("id", id)
                                .execute())
                > 0;
    }

    @Override
    public Optional<WebhookSubscription> subscription(String id) {
        Objects.requireNonNull(id, "id");
        return db.read(
                "read webhook subscription",
                tx -> tx.handle()
                        .createQuery(db.sql("SELECT body FROM {p}webhook_subscription WHERE id = :id"))
                        .bind("id", id)
                        .map((rs, ctx) -> Codec.read(rs.getString(1), WebhookSubscription.class))
                        .findOne());
    }

    @Override
    public List<WebhookSubscription> subscriptions() {
        return db.read(
                "read webhook subscriptions",
                tx -> tx.handle()
                        .createQuery(db.sql("SELECT body FROM {p}webhook_subscription ORDER BY id"))
                        .map((rs, ctx) -> Codec.read(rs.getString(1), WebhookSubscription.class))
                        .list());
    }

    @Override
    public boolean addDelivery(WebhookDelivery d) {
        Objects.requireNonNull(d, "delivery");
        String sql = "INSERT INTO {p}webhook_delivery (delivery_key, " + COLUMNS + ", claim_token) VALUES "
                + "(:k, :id, :sub, :payload, :status, :attempts, :err, :next, :until, :created, :updated, NULL)";
        boolean pg = db.dialect() == JdbcDialect.POSTGRESQL;
        return db.read("record webhook delivery", tx -> {
            try {
                return tx.handle()
                                .createUpdate(db.sql(pg ? sql + " ON CONFLICT DO NOTHING" : sql))
                                .bind("k", key(d.id()))
                                .bind("id", d.id())
                                .bind("sub", d.subscriptionId())
                                .bind("payload", Codec.write(d.event()))
                                .bind("status", d.status().name())
                                .bind("attempts", d.attempts())
                                .bind("err", error(d.lastError()))
                                .bind("next", Db.nanos(d.nextAttemptAt()))
                                .bind("until", d.claimedUntil() == null ? null : Db.nanos(d.claimedUntil()))
                                .bind("created", Db.nanos(d.createdAt()))
                                .bind("updated", Db.nanos(d.updatedAt()))
                                .execute()
                        == 1;
            } catch (UnableToExecuteStatementException e) {
                if (!pg && Db.isDuplicate(e)) {
                    return false; // recorded before, maybe by another process a moment ago
                }
                throw e;
            }
        });
    }

    @Override
    public Optional<Claim> claim(String deliveryId, Instant now, Instant claimUntil) {
        Objects.requireNonNull(deliveryId, "deliveryId");
        String token = UUID.randomUUID().toString();
        long nowN = Db.nanos(now);
        return db.tx("claim webhook delivery", tx -> {
            Handle h = tx.handle();
            int n = h.createUpdate(db.sql("UPDATE {p}webhook_delivery SET claim_token = :tok, claimed_until = :until "
                            + "WHERE delivery_key = :k AND status = 'PENDING' AND next_attempt_at <= :now "
                            + "AND (claimed_until IS NULL OR claimed_until <= :now)"))
                    .bind("tok", token)
                    .bind("until", Db.nanos(claimUntil))
                    .bind("k", key(deliveryId))
                    .bind("now", nowN)
                    .execute();
            if (n == 0) {
                return Optional.<Claim>empty();
            }
            return h.createQuery(db.sql("SELECT " + COLUMNS + " FROM {p}webhook_delivery "
                            + "WHERE delivery_key = :k AND claim_token = :tok"))
                    .bind("k", key(deliveryId))
                    .bind("tok", token)
                    .map((rs, ctx) -> new Claim(delivery(rs), token))
                    .findOne();
        });
    }

    @Override
    public boolean markDelivered(Claim claim, int attempts, Instant now) {
        return db.read(
                        "mark webhook delivery delivered",
                        tx -> tx.handle()
                                .createUpdate(db.sql("UPDATE {p}webhook_delivery SET status = 'DELIVERED', "
                                        + "attempts = :a, last_error = NULL, updated_at = :now, claim_token = NULL, "
                                        + "claimed_until = NULL WHERE delivery_key = :k AND claim_token = :tok "
                                        + "AND status = 'PENDING'"))
                                .bind("a", attempts)
                                .bind("now", Db.nanos(now))
                                .bind("k", key(claim.delivery().id()))
                                .bind("tok", claim.token())
                                .execute())
                == 1;
    }

    @Override
    public boolean markFailed(
            Claim claim, int attempts, String error, Instant nextAttemptAt, boolean dead, Instant now) {
        return db.read("record webhook delivery failure", tx -> {
                    var u = tx.handle()
                            .createUpdate(db.sql("UPDATE {p}webhook_delivery SET status = :status, attempts = :a, "
                                    + "last_error = :err, next_attempt_at = "
                                    + (dead ? "next_attempt_at" : ":next")
                                    + ", updated_at = :now, claim_token = NULL, claimed_until = NULL "
                                    + "WHERE delivery_key = :k AND claim_token = :tok AND status = 'PENDING'"))
                            .bind("status", dead ? "DEAD" : "PENDING")
                            .bind("a", attempts)
                            .bind("err", error(error))
                            .bind("now", Db.nanos(now))
                            .bind("k", key(claim.delivery().id()))
                            .bind("tok", claim.token());
                    if (!dead) {
                        u.bind("next", Db.nanos(nextAttemptAt));
                    }
                    return u.execute();
                })
                == 1;
    }

    @Override
    public void unclaim(Claim claim) {
        db.read(
                "unclaim webhook delivery",
                tx -> tx.handle()
                        .createUpdate(db.sql("UPDATE {p}webhook_delivery SET claim_token = NULL, claimed_until = NULL "
                                + "WHERE delivery_key = :k AND claim_token = :tok"))
                        .bind("k", key(claim.delivery().id()))
                        .bind("tok", claim.token())
                        .execute());
    }

    @Override
    public boolean replay(String deliveryId, Instant now) {
        Objects.requireNonNull(deliveryId, "deliveryId");
        return db.read(
                        "replay webhook delivery",
                        tx -> tx.handle()
                                .createUpdate(db.sql("UPDATE {p}webhook_delivery SET status = 'PENDING', attempts = 0, "
                                        + "next_attempt_at = :now, updated_at = :now, claim_token = NULL, "
                                        + "claimed_until = NULL WHERE delivery_key = :k AND status <> 'PENDING'"))
                                .bind("now", Db.nanos(now))
                                .bind("k", key(deliveryId))
                                .execute())
                == 1;
    }

    @Override
    public Optional<WebhookDelivery> delivery(String id) {
        Objects.requireNonNull(id, "id");
        return db.read(
                "read webhook delivery",
                tx -> tx.handle()
                        .createQuery(db.sql("SELECT " + COLUMNS + " FROM {p}webhook_delivery WHERE delivery_key = :k"))
                        .bind("k", key(id))
                        .map((rs, ctx) -> delivery(rs))
                        .findOne());
    }

    @Override
    public List<WebhookDelivery> deliveries(Status status, int limit) {
        Objects.requireNonNull(status, "status");
        if (limit <= 0) {
            return List.of();
        }
        return db.read(
                "list webhook deliveries",
                tx -> tx.handle()
                        .createQuery(db.sql("SELECT " + COLUMNS + " FROM {p}webhook_delivery WHERE status = :s "
                                + "ORDER BY created_at, delivery_key LIMIT :lim"))
                        .bind("s", status.name())
                        .bind("lim", limit)
                        .map((rs, ctx) -> delivery(rs))
                        .list());
    }

    @Override
    public int purgeDelivered(Instant olderThan, int limit) {
        Objects.requireNonNull(olderThan, "olderThan");
        if (limit <= 0) {
            return 0;
        }
        long bound = Db.nanos(olderThan);
        return db.tx("purge delivered webhook deliveries", tx -> {
            Handle h = tx.handle();
            List<String> keys = h.createQuery(db.sql("SELECT delivery_key FROM {p}webhook_delivery "
                            + "WHERE status = 'DELIVERED' AND updated_at < :b ORDER BY updated_at LIMIT :lim"))
                    .bind("b", bound)
                    .bind("lim", limit)
                    .mapTo(String.class)
                    .list();
            if (keys.isEmpty()) {
                return 0;
            }
            StringBuilder in = new StringBuilder();
            for (int i = 0; i < keys.size(); i++) {
                in.append(i == 0 ? "" : ", ").append(":k").append(i);
            }
            // re-checked: a row replayed since the read above stays
            var del = h.createUpdate(db.sql("DELETE FROM {p}webhook_delivery WHERE delivery_key IN (" + in
                            + ") AND status = 'DELIVERED' AND updated_at < :b"))
                    .bind("b", bound);
            for (int i = 0; i < keys.size(); i++) {
                del.bind("k" + i, keys.get(i));
            }
            return del.execute();
        });
    }

    private static @Nullable String error(@Nullable String error) {
        return error == null || error.length() <= MAX_ERROR ? error : error.substring(0, MAX_ERROR);
    }

    /** A delivery row (the {@link #COLUMNS}). */
    private static WebhookDelivery delivery(ResultSet rs) throws SQLException {
        long until = rs.getLong("claimed_until");
        Instant claimedUntil = rs.wasNull() ? null : Db.instant(until);
        return new WebhookDelivery(
                rs.getString("id"),
                rs.getString("subscription_id"),
                Codec.read(rs.getString("payload"), OrderKitEvent.class),
                Status.valueOf(rs.getString("status")),
                rs.getInt("attempts"),
                rs.getString("last_error"),
                Db.instant(rs.getLong("created_at")),
                Db.instant(rs.getLong("updated_at")),
                Db.instant(rs.getLong("next_attempt_at")),
                claimedUntil);
    }
}
