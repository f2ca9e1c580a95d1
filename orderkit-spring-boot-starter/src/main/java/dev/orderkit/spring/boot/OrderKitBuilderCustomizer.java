package dev.orderkit.spring.boot;

import dev.orderkit.core.OrderKit;

/**
 * Adjusts the {@link OrderKit.Builder} the starter configured from {@code orderkit.*} properties
 * and beans, before it builds the kit (e.g. a retry budget, an allocation strategy, a clock, later
 * metrics). Every bean of this type is applied, in {@link org.springframework.core.Ordered} order,
 * to the builder of the application's kit and to that of the background kit, so both see the same
 * settings. A customizer must not enable background work itself ({@code orderkit.background.*}
 * does).
 */
@FunctionalInterface
public interface OrderKitBuilderCustomizer {
    /**
     * Customizes the builder.
     *
     * @param builder the builder (not thread-safe; used only during startup)
     */
    void customize(OrderKit.Builder builder);
}
