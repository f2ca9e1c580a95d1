package dev.orderkit.testkit;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.StockStorage;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Objects;
import java.util.Set;

/**
 * Fault injection at the SPI boundary, for in-process backends (the in-memory ones): each write
 * method either fails before calling the real backend ({@link FaultInjection.Fault#FAIL_BEFORE}) or
 * calls it and then throws {@link BackendUnavailableException} as if the reply had been lost
 * ({@link FaultInjection.Fault#LOSE_ACK}). Read methods are never failed. Thread-safe.
 */
public final class FaultInjectingBackends {
    private static final Set<String> STOCK_WRITES =
            Set.of("reserve", "reserveAll", "transition", "expireAll", "adjust", "setOnHand", "extend");
    private static final Set<String> KEY_WRITES = Set.of("insert", "replace", "purgeExpired");
    private static final Set<String> ORDER_WRITES = Set.of("insert", "update");
    private static final Set<String> INBOX_WRITES = Set.of("claim", "complete", "release", "purgeCompleted");

    private final FaultPlan plan;

    /**
     * Creates the injector.
     *
     * @param plan decides which write fails how
     */
    public FaultInjectingBackends(FaultPlan plan) {
        this.plan = Objects.requireNonNull(plan, "plan");
    }

    /**
     * Wraps a stock storage.
     *
     * @param real the backend
     * @return the faulty view
     */
    public StockStorage wrap(StockStorage real) {
        return proxy(StockStorage.class, real, STOCK_WRITES);
    }

    /**
     * Wraps an idempotency store.
     *
     * @param real the backend
     * @return the faulty view
     */
    public IdempotencyStore wrap(IdempotencyStore real) {
        return proxy(IdempotencyStore.class, real, KEY_WRITES);
    }

    /**
     * Wraps an order store.
     *
     * @param real the backend
     * @return the faulty view
     */
    public OrderStore wrap(OrderStore real) {
        return proxy(OrderStore.class, real, ORDER_WRITES);
    }

    /**
     * Wraps an inbox.
     *
     * @param real the backend
     * @return the faulty view
     */
    public InboxStore wrap(InboxStore real) {
        return proxy(InboxStore.class, real, INBOX_WRITES);
    }

    private <T> T proxy(Class<T> type, T real, Set<String> writes) {
        Object p = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, m, args) -> {
            if (m.getDeclaringClass() == Object.class) {
                return m.invoke(real, args);
            }
            FaultInjection.Fault fault = writes.contains(m.getName()) ? plan.next() : null;
            if (fault == FaultInjection.Fault.FAIL_BEFORE) {
                throw new BackendUnavailableException("injected: " + m.getName() + " failed before it ran", null);
            }
            Object result;
            try {
                result = m.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (fault == FaultInjection.Fault.LOSE_ACK) {
                throw new BackendUnavailableException(
                        "injected: reply of " + m.getName() + " lost after it applied", null);
            }
            return result;
        });
        return type.cast(p);
    }
}
