package dev.orderkit.spring.boot.internal;

import dev.orderkit.core.spi.EventSink;
import dev.orderkit.jdbc.JdbcBackend;
import dev.orderkit.jdbc.OutboxPublisher;
import java.util.LinkedHashMap;
import java.util.Map;

/** Health of the JDBC backend: the database answers; outbox lag (pending rows) and dead letters. */
public final class JdbcProbe {
    private final JdbcBackend jdbc;
    private final OutboxPublisher outbox;

    /**
     * Creates the probe.
     *
     * @param jdbc the backend
     */
    public JdbcProbe(JdbcBackend jdbc) {
        this.jdbc = jdbc;
        this.outbox = jdbc.outboxPublisher(EventSink.discarding()); // only counts rows, never publishes
    }

    /**
     * Reads the backend.
     *
     * @return the reading
     */
    public Probe read() {
        try {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("dialect", jdbc.dialect().toString());
            details.put("outboxPending", outbox.count("PENDING"));
            details.put("outboxDead", outbox.count("DEAD"));
            return new Probe(true, details);
        } catch (RuntimeException e) {
            return Probe.down(e);
        }
    }
}
