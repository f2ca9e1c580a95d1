package dev.orderkit.jdbc;

import dev.orderkit.core.spi.EventSink;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The row counts of every orderkit table but orders (and the schema history), and the outbox publishing. */
final class JdbcBoundedStorage {
    private JdbcBoundedStorage() {}

    static Map<String, Long> rows(JdbcFixture f) {
        String p = f.backend().tablePrefix();
        Map<String, Long> out = new LinkedHashMap<>();
        try (var c = f.dataSource().getConnection();
                var st = c.createStatement()) {
            for (String t : List.of(
                    "stock_level",
                    "reservation",
                    "reservation_line",
                    "movement",
                    "stock_write",
                    "idempotency",
                    "outbox",
                    "inbox")) {
                try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + p + t)) {
                    rs.next();
                    out.put(t, rs.getLong(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Publishes every pending outbox row (they become SENT). */
    static void publish(JdbcFixture f) {
        var publisher = f.backend().outboxPublisher(EventSink.discarding());
        while (publisher.publishPending() > 0) {
            // until the outbox has no pending row left
        }
    }
}
