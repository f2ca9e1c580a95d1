/**
 * JDBC backend of orderkit (PostgreSQL, MariaDB/MySQL, H2) on Jdbi: {@link dev.orderkit.jdbc.JdbcBackend}
 * builds every storage SPI over one {@code DataSource}; {@link dev.orderkit.jdbc.OutboxPublisher} relays
 * the transactional outbox. Nothing here is null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.orderkit.jdbc;

import org.jspecify.annotations.NullMarked;
