package dev.orderkit.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.jdbc.HikariPools;
import dev.orderkit.jdbc.JdbcBackend;
import dev.orderkit.jdbc.OutboxPublisher;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Template: everything (stock, keys, orders, outbox) in one PostgreSQL / MySQL / MariaDB / H2
 * database, shared by every instance of the application.
 */
public final class JdbcExample {
    private JdbcExample() {}

    /**
     * A running application wiring: the kit, its pool, the outbox publisher and the recovery sweep.
     *
     * @param kit the kit
     * @param pool the connection pool
     * @param outbox the outbox publisher
     * @param scheduler runs the recovery sweep
     */
    public record App(OrderKit kit, HikariDataSource pool, OutboxPublisher outbox, ScheduledExecutorService scheduler)
            implements AutoCloseable {
        @Override
        public void close() {
            scheduler.shutdownNow();
            outbox.close();
            pool.close();
        }
    }

    /**
     * Starts the wiring.
     *
     * @param jdbcUrl e.g. {@code jdbc:postgresql://db:5432/shop} or {@code jdbc:h2:mem:shop}
     * @param user database user
     * @param password database password
     * @param tablePrefix prefix of orderkit's tables, e.g. {@code ok_}
     * @param payments the payment gateway
     * @param events where published events go (your message broker)
     * @return the running app; close it on shutdown
     */
    public static App start(
            String jdbcUrl, String user, String password, String tablePrefix, PaymentPort payments, EventSink events) {
        // README:jdbc
        HikariDataSource pool = HikariPools.recommended(jdbcUrl, user, password, 16);
        JdbcBackend db = JdbcBackend.builder()
                .dataSource(pool)
                .tablePrefix(tablePrefix)
                .migrateOnBuild(true) // or run db/orderkit/<dialect>/V*__*.sql with Flyway
                .build();
        OrderKit kit = OrderKit.builder()
                .stockStorage(db.stockStorage())
                .idempotencyStore(db.idempotencyStore())
                .orderStore(db.orderStore()) // order changes + their events commit in one transaction
                .stepTransactions(db.stepTransactions()) // each step + its recovery point: one transaction
                .paymentPort(payments)
                .build();
        OutboxPublisher outbox = db.outboxPublisher(events);
        outbox.start(); // safe on every instance: claimed batches are not shared

        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        scheduler.scheduleWithFixedDelay(kit.orders()::recover, 30, 30, TimeUnit.SECONDS); // on every instance
        // END
        return new App(kit, pool, outbox, scheduler);
    }
}
