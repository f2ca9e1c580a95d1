package dev.orderkit.spring.boot.internal;

import dev.orderkit.core.BackgroundTaskStatus;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.spring.boot.OrderKitBackgroundLifecycle;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A health reading independent of the Spring Boot line: both the Boot 4 and the Boot 3 health
 * indicators map it to their own {@code Health}.
 *
 * @param up whether the part is reachable and working
 * @param details what to show
 */
public record Probe(boolean up, Map<String, Object> details) {

    /** How many parked orders a health check reads at most. */
    public static final int PARKED_LIMIT = 100;

    /**
     * A failed reading.
     *
     * @param e the failure
     * @return the reading (down, the exception's class as the error; no message, it may hold data)
     */
    public static Probe down(RuntimeException e) {
        return new Probe(false, Map.of("error", e.getClass().getName()));
    }

    /**
     * The kit: parked orders (up to {@link #PARKED_LIMIT}) and background task failures.
     *
     * @param kit the kit
     * @param background the background lifecycle, if any
     * @return the reading
     */
    public static Probe kit(OrderKit kit, @Nullable OrderKitBackgroundLifecycle background) {
        try {
            List<Order> parked = kit.orders().parked(PARKED_LIMIT);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("parkedOrders", parked.size());
            if (background != null) {
                details.put("background", background.isRunning() ? "running" : "stopped");
                Map<String, Object> tasks = new LinkedHashMap<>();
                for (BackgroundTaskStatus s : background.status()) {
                    tasks.put(s.task(), Map.of("runs", s.runs(), "consecutiveFailures", s.consecutiveFailures()));
                }
                details.put("tasks", tasks);
            }
            return new Probe(true, details);
        } catch (RuntimeException e) {
            return down(e);
        }
    }
}
