package dev.orderkit.jdbc.internal;

import dev.orderkit.core.Order;
import dev.orderkit.core.OrderFilter;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.spi.OrderPosition;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.jdbc.JdbcDialect;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.jspecify.annotations.Nullable;

/**
 * {@link OrderStore} on SQL: the order is a JSON document plus indexed columns (id, scope, status,
 * version, timestamps, next recovery attempt, customer reference). Inserts are idempotent on the primary key; updates compare-and-set the
 * version column. The given events are written to the outbox table in the same transaction, so an
 * order change and its events commit (or roll back) together. Thread-safe.
 */
public final class JdbcOrderStore implements OrderStore {
    private final Db db;

    /**
     * Creates the store.
     *
     * @param db plumbing
     */
    public JdbcOrderStore(Db db) {
        this.db = db;
    }

    @Override
    public boolean insert(Order order, List<OrderKitEvent> events) {
        if (db.dialect() == JdbcDialect.POSTGRESQL) {
            return writePostgres("insert order " + order.id(), PG_INSERT, order, events, ps -> {
                ps.setString(1, order.id());
                ps.setString(2, order.scope());
                ps.setString(3, order.idempotencyKey());
                ps.setString(4, order.status().name());
                ps.setLong(5, order.version());
                ps.setLong(6, Db.nanos(order.createdAt()));
                ps.setLong(7, Db.nanos(order.updatedAt()));
                ps.setLong(8, Db.nanos(order.recovery().nextAttemptAt()));
                ps.setString(9, order.customerRef());
                ps.setString(10, Codec.write(order));
                return 11;
            });
        }
        // no savepoint inside a step transaction: a lost insert writes nothing, a failure ends the unit
        return db.txWithoutSavepoint("insert order " + order.id(), tx -> {
            Handle h = tx.handle();
            String sql = "INSERT INTO {p}orders (id, scope, idem_key, status, version, created_at, updated_at, "
                    + "next_attempt_at, customer_ref, body) "
                    + "VALUES (:id, :scope, :k, :status, :v, :created, :updated, :due, :customer, :body)";
            boolean pg = db.dialect() == JdbcDialect.POSTGRESQL;
            int n;
            try {
                n = h.createUpdate(db.sql(pg ? sql + " ON CONFLICT DO NOTHING" : sql))
                        .bind("id", order.id())
                        .bind("scope", order.scope())
                        .bind("k", order.idempotencyKey())
                        .bind("status", order.status().name())
                        .bind("v", order.version())
                        .bind("created", Db.nanos(order.createdAt()))
                        .bind("updated", Db.nanos(order.updatedAt()))
                        .bind("due", Db.nanos(order.recovery().nextAttemptAt()))
                        .bind("customer", order.customerRef())
                        .bind("body", Codec.write(order))
                        .execute();
            } catch (UnableToExecuteStatementException e) {
                if (!pg && Db.isDuplicate(e)) {
                    n = 0;
                } else {
                    throw e;
                }
            }
            if (n != 1) {
                tx.rollbackOnly();
                return false;
            }
            outbox(h, events);
            return true;
        });
    }

    @Override
    public Optional<Order> find(String orderId) {
        return db.read(
                "find order",
                tx -> tx.handle()
                        .createQuery(db.sql("SELECT body FROM {p}orders WHERE id = :id"))
                        .bind("id", orderId)
                        .mapTo(String.class)
                        .findOne()
                        .map(b -> Codec.read(b, Order.class)));
    }

    @Override
    public Optional<Order> findByKey(String scope, String idempotencyKey) {
        return db.read(
                "find order by key",
                tx -> tx.handle()
                        .createQuery(db.sql("SELECT body FROM {p}orders "
                                + "WHERE scope = :scope AND idem_key = :key ORDER BY created_at DESC, id LIMIT 1"))
                        .bind("scope", scope)
                        .bind("key", idempotencyKey)
                        .mapTo(String.class)
                        .findOne()
                        .map(b -> Codec.read(b, Order.class)));
    }

    @Override
    public boolean update(Order order, long expectedVersion, List<OrderKitEvent> events) {
        if (db.dialect() == JdbcDialect.POSTGRESQL) {
            return writePostgres("update order " + order.id(), PG_UPDATE, order, events, ps -> {
                ps.setString(1, order.status().name());
                ps.setLong(2, order.version());
                ps.setLong(3, Db.nanos(order.updatedAt()));
                ps.setLong(4, Db.nanos(order.recovery().nextAttemptAt()));
                ps.setString(5, order.customerRef());
                ps.setString(6, Codec.write(order));
                ps.setString(7, order.id());
                ps.setLong(8, expectedVersion);
                return 9;
            });
        }
        // no savepoint inside a step transaction: a lost compare-and-set writes nothing, a failure ends the unit
        return db.txWithoutSavepoint("update order " + order.id(), tx -> {
            Handle h = tx.handle();
            int n = h.createUpdate(db.sql("UPDATE {p}orders SET status = :status, version = :v, updated_at = :updated, "
                            + "next_attempt_at = :due, customer_ref = :customer, body = :body "
                            + "WHERE id = :id AND version = :ev"))
                    .bind("status", order.status().name())
                    .bind("customer", order.customerRef())
                    .bind("v", order.version())
                    .bind("updated", Db.nanos(order.updatedAt()))
                    .bind("due", Db.nanos(order.recovery().nextAttemptAt()))
                    .bind("body", Codec.write(order))
                    .bind("id", order.id())
                    .bind("ev", expectedVersion)
                    .execute();
            if (n != 1) {
                tx.rollbackOnly();
                return false;
            }
            outbox(h, events);
            return true;
        });
    }

    /** The order row's parameters of a PostgreSQL write; returns the index of the first event parameter. */
    @FunctionalInterface
    private interface OrderParams {
        int bind(PreparedStatement ps) throws SQLException;
    }

    /** PostgreSQL: an order insert-if-absent, without its events. */
    private static final String PG_INSERT = "INSERT INTO {p}orders (id, scope, idem_key, status, version, "
            + "created_at, updated_at, next_attempt_at, customer_ref, body) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id";
    /** PostgreSQL: an order compare-and-set on its version, without its events. */
    private static final String PG_UPDATE = "UPDATE {p}orders SET status = ?, version = ?, updated_at = ?, "
            + "next_attempt_at = ?, customer_ref = ?, body = ? WHERE id = ? AND version = ? RETURNING id";

    /** Statements by (write, number of events): a placement writes 1 or 2 events per change. */
    private final ConcurrentHashMap<String, String> pgStatements = new ConcurrentHashMap<>();

    /**
     * PostgreSQL: the order write and its events as ONE statement (a data-modifying CTE, atomic on
     * its own: one round trip in auto-commit mode or inside a step transaction). The events are
     * inserted only if the write applied, in list order (so an aggregate's rows keep increasing
     * ids); the answer is whether it applied.
     */
    private boolean writePostgres(
            String what, String write, Order order, List<OrderKitEvent> events, OrderParams params) {
        int n = events.size();
        String sql = pgStatements.computeIfAbsent(write.substring(0, 6) + n, k -> pgStatement(write, n));
        return db.withConnection(
                what,
                (c, ambient) -> Db.autoCommitted(c, ambient, cc -> {
                    try (PreparedStatement ps = cc.prepareStatement(sql)) {
                        int at = params.bind(ps);
                        for (OrderKitEvent e : events) {
                            at = JdbcOutboxStore.bind(ps, at, e);
                        }
                        try (ResultSet rs = ps.executeQuery()) {
                            return rs.next() && rs.getLong(1) == 1;
                        }
                    }
                }));
    }

    private String pgStatement(String write, int events) {
        StringBuilder sb = new StringBuilder("WITH o AS (").append(write).append(')');
        if (events > 0) {
            sb.append(", e AS (INSERT INTO {p}outbox (event_id, event_type, subject_id, payload, status, attempts, ")
                    .append("next_attempt_at, created_at) SELECT v.eid, v.typ, v.sub, v.pay, 'PENDING', 0, 0, v.at ")
                    .append("FROM o, (VALUES ");
            for (int i = 0; i < events; i++) {
                sb.append(i == 0 ? "" : ", ")
                        .append('(')
                        .append(i)
                        .append(", CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS TEXT), ")
                        .append("CAST(? AS BIGINT))");
            }
            sb.append(") AS v(n, eid, typ, sub, pay, at) ORDER BY v.n)");
        }
        return db.sql(sb.append(" SELECT COUNT(*) FROM o").toString());
    }

    private void outbox(Handle h, List<OrderKitEvent> events) {
        JdbcOutboxStore.insert(h, db, events);
    }

    @Override
    public List<Order> findStale(Set<OrderStatus> statuses, Instant updatedBefore, int limit) {
        return byStatus(
                "find stale orders",
                statuses,
                n -> "SELECT body FROM {p}orders WHERE status IN (" + joined(n, i -> ":s" + i, ", ")
                        + ") AND updated_at < :t ORDER BY updated_at, id LIMIT :lim",
                updatedBefore,
                limit);
    }

    /**
     * One branch per status, each an ordered range scan of the (status, next_attempt_at, id) index
     * that stops after {@code limit} rows, merged in due order: the query reads at most
     * {@code limit} index entries per status however large the backlog (an {@code IN} list over the
     * leading column would read every due row to sort them).
     */
    @Override
    public List<Order> findDue(Set<OrderStatus> statuses, Instant now, int limit) {
        return byStatus(
                "find due orders",
                statuses,
                n -> "SELECT body FROM ("
                        + joined(
                                n,
                                i -> "(SELECT body, next_attempt_at, id FROM {p}orders WHERE status = :s" + i
                                        + " AND next_attempt_at <= :t ORDER BY next_attempt_at, id LIMIT :lim)",
                                " UNION ALL ")
                        + ") due ORDER BY next_attempt_at, id LIMIT :lim",
                now,
                limit);
    }

    /**
     * One statement on every dialect: {@code SELECT COUNT(*) FROM (SELECT 1 FROM orders WHERE status
     * IN (...) LIMIT :lim) t}, a scan of the status index (its leading column) that stops after
     * {@code atMost} entries, so a count costs at most {@code atMost} index entries however large
     * the table. {@code atMost <= 0} or no status counts 0 without a query.
     */
    @Override
    public int countInStatus(Set<OrderStatus> statuses, int atMost) {
        if (atMost <= 0 || statuses.isEmpty()) {
            return 0;
        }
        List<OrderStatus> list = new ArrayList<>(EnumSet.copyOf(statuses));
        String text = db.sql("SELECT COUNT(*) FROM (SELECT 1 AS one FROM {p}orders WHERE status IN ("
                + joined(list.size(), i -> ":s" + i, ", ") + ") LIMIT :lim) t");
        long n = db.read("count orders in status", tx -> {
            var q = tx.handle().createQuery(text);
            for (int i = 0; i < list.size(); i++) {
                q.bind("s" + i, list.get(i).name());
            }
            return q.bind("lim", atMost).mapTo(Long.class).one();
        });
        return (int) Math.min(n, atMost);
    }

    private static String joined(int n, IntFunction<String> part, String separator) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : separator).append(part.apply(i));
        }
        return sb.toString();
    }

    /**
     * Orders of some statuses by a query whose text {@code sql} writes for n statuses, bound as
     * {@code :s0..:s(n-1)}, the instant {@code :t} and the limit {@code :lim}.
     */
    private List<Order> byStatus(String op, Set<OrderStatus> statuses, IntFunction<String> sql, Instant t, int limit) {
        if (statuses.isEmpty()) {
            return List.of();
        }
        List<OrderStatus> list = new ArrayList<>(EnumSet.copyOf(statuses));
        String text = db.sql(sql.apply(list.size()));
        return db
                .read(op, tx -> {
                    var q = tx.handle().createQuery(text);
                    for (int i = 0; i < list.size(); i++) {
                        q.bind("s" + i, list.get(i).name());
                    }
                    return q.bind("t", Db.nanos(t))
                            .bind("lim", limit)
                            .mapTo(String.class)
                            .list();
                })
                .stream()
                .map(b -> Codec.read(b, Order.class))
                .toList();
    }

    // ------------------------------------------------------------------ listing (OrderService#list)

    /**
     * One index range scan per page, newest first ({@code ORDER BY created_at DESC, id DESC}, the
     * V8 indexes read backwards), starting after the cursor's position with the keyset predicate
     * {@code created_at <= :ac AND (created_at < :ac OR id < :aid)} (a range on the index's
     * {@code created_at} column on every dialect) and stopping after {@code limit} rows:
     * <ul>
     *   <li>a customer filter reads {@code (scope, customer_ref, created_at, id)}, other parts of the
     *       filter checked on those rows;
     *   <li>else a status filter reads {@code (scope, status, created_at, id)}: one branch per
     *       status, each stopping after {@code limit} rows, merged (an {@code IN} list over a
     *       leading column would read every matching row to sort them);
     *   <li>else {@code (scope, created_at, id)}.
     * </ul>
     * Ties on {@code created_at} are ordered by the id column's own order (binary on MySQL/MariaDB
     * and H2, the database collation on PostgreSQL), consistently with the keyset predicate.
     */
    @Override
    public List<Order> list(String scope, OrderFilter filter, @Nullable OrderPosition after, int limit) {
        return listQuery(
                        "list orders",
                        "",
                        scope,
                        filter,
                        after,
                        limit,
                        q -> q.mapTo(String.class).list())
                .stream()
                .map(b -> Codec.read(b, Order.class))
                .toList();
    }

    /**
     * Diagnostics: the database's plan for the query of {@link #list} with these arguments
     * ({@code EXPLAIN (FORMAT JSON)} on PostgreSQL, {@code EXPLAIN FORMAT=JSON} on MySQL/MariaDB,
     * {@code EXPLAIN} on H2), one string per row of the answer.
     *
     * @param scope the scope
     * @param filter the filter
     * @param after the position to start after, or {@code null}
     * @param limit the limit
     * @return the plan
     * @throws dev.orderkit.core.BackendUnavailableException if the database fails
     */
    public List<String> explainList(String scope, OrderFilter filter, @Nullable OrderPosition after, int limit) {
        String explain = switch (db.dialect()) {
            case POSTGRESQL -> "EXPLAIN (FORMAT JSON) ";
            case MYSQL -> "EXPLAIN FORMAT=JSON ";
            default -> "EXPLAIN ";
        };
        return listQuery(
                "explain list orders",
                explain,
                scope,
                filter,
                after,
                limit,
                q -> q.mapTo(String.class).list());
    }

    private <R> R listQuery(
            String op,
            String prefix,
            String scope,
            OrderFilter filter,
            @Nullable OrderPosition after,
            int limit,
            Function<Query, R> run) {
        List<OrderStatus> statuses = new ArrayList<>(
                filter.statuses().isEmpty() ? EnumSet.noneOf(OrderStatus.class) : EnumSet.copyOf(filter.statuses()));
        String customer = filter.customerRef();
        Instant from = filter.createdFrom();
        Instant to = filter.createdTo();
        StringBuilder common = new StringBuilder();
        if (from != null) {
            common.append(" AND created_at >= :from");
        }
        if (to != null) {
            common.append(" AND created_at < :to");
        }
        if (after != null) {
            common.append(" AND created_at <= :ac AND (created_at < :ac OR id < :aid)");
        }
        String order = " ORDER BY created_at DESC, id DESC LIMIT :lim";
        String sql;
        if (customer != null) {
            String inStatuses =
                    statuses.isEmpty() ? "" : " AND status IN (" + joined(statuses.size(), i -> ":s" + i, ", ") + ")";
            sql = "SELECT body FROM {p}orders WHERE scope = :scope AND customer_ref = :customer" + inStatuses + common
                    + order;
        } else if (statuses.size() == 1) {
            sql = "SELECT body FROM {p}orders WHERE scope = :scope AND status = :s0" + common + order;
        } else if (statuses.size() > 1) {
            sql = "SELECT body FROM ("
                    + joined(
                            statuses.size(),
                            i -> "(SELECT body, created_at, id FROM {p}orders WHERE scope = :scope AND status = :s" + i
                                    + common + order + ")",
                            " UNION ALL ")
                    + ") listed" + order;
        } else {
            sql = "SELECT body FROM {p}orders WHERE scope = :scope" + common + order;
        }
        String text = prefix + db.sql(sql);
        return db.read(op, tx -> {
            var q = tx.handle().createQuery(text).bind("scope", scope).bind("lim", limit);
            for (int i = 0; i < statuses.size(); i++) {
                q.bind("s" + i, statuses.get(i).name());
            }
            if (customer != null) {
                q.bind("customer", customer);
            }
            if (from != null) {
                q.bind("from", Db.nanos(from));
            }
            if (to != null) {
                q.bind("to", Db.nanos(to));
            }
            if (after != null) {
                q.bind("ac", Db.nanos(after.createdAt())).bind("aid", after.orderId());
            }
            return run.apply(q);
        });
    }

    // ------------------------------------------------------------------ retention (see JdbcPurge)

    /** Deletes published ({@code SENT}) outbox rows sent before the bound. */
    @Override
    public int purgeSentEvents(Instant olderThan, int limit) {
        return new JdbcPurge(db).purgeSentEvents(olderThan, limit);
    }

    @Override
    public boolean delete(String orderId, long expectedVersion) {
        return new JdbcPurge(db).deleteOrder(orderId, expectedVersion);
    }
}
