package dev.orderkit.spring.boot.internal;

import dev.orderkit.core.BackgroundTask;
import dev.orderkit.core.observability.Instrumentation;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.StepTransactions;
import dev.orderkit.core.spi.StockStorage;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * What one backend configuration contributes, so the main configuration never names an optional
 * backend class. Parts of a lower {@code rank} win (Redis 0 over JDBC 1); in-memory fills the rest.
 *
 * @param name backend name
 * @param rank precedence, lower first
 * @param stock stock storage, or null
 * @param keys idempotency store, or null
 * @param orders order store, or null
 * @param inbox inbox store, or null
 * @param outbox the outbox publishing round for an event sink, reporting to an instrumentation, or null
 * @param steps atomic phases, used only when this backend provides stock, keys and orders, or null
 */
public record BackendParts(
        String name,
        int rank,
        @Nullable StockStorage stock,
        @Nullable IdempotencyStore keys,
        @Nullable OrderStore orders,
        @Nullable InboxStore inbox,
        @Nullable BiFunction<EventSink, Instrumentation, BackgroundTask> outbox,
        @Nullable StepTransactions steps) {}
