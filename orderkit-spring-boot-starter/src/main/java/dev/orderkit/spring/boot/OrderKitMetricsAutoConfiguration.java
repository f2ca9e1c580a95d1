package dev.orderkit.spring.boot;

import dev.orderkit.core.observability.Instrumentation;
import dev.orderkit.micrometer.MicrometerInstrumentation;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.MeterObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * orderkit's meters and observations in the application's Micrometer registries: a
 * {@link MicrometerInstrumentation} bean, which {@link OrderKitAutoConfiguration} gives to every kit
 * it builds (the {@code OrderKit} bean and the {@link OrderKitBackgroundLifecycle}'s kit, so
 * placements and background runs count in the same meters) and to the JDBC outbox publisher.
 *
 * <p>Active when {@code orderkit-micrometer} and Micrometer are on the class path, the context has a
 * {@link MeterRegistry} or an {@link ObservationRegistry} bean (Spring Boot's actuator defines
 * both), no {@link Instrumentation} bean of the application's, and {@code orderkit.metrics.enabled}
 * is not {@code false}. Runs after Boot's metrics and observation auto-configurations (named for
 * Boot 4 and for Boot 3, whose packages differ).
 *
 * <p><b>Timers.</b> When the context has an ObservationRegistry and a {@link MeterObservationHandler}
 * bean (actuator's {@code DefaultMeterObservationHandler}, or the tracing-aware one), that handler
 * already records every orderkit observation as a timer ({@code orderkit.place},
 * {@code orderkit.reserve}, {@code orderkit.payment}, tagged {@code orderkit.operation} and
 * {@code orderkit.outcome}); the instrumentation's own {@code orderkit.*.duration} timers would
 * time the same calls a second time, so they are off ({@code MicrometerInstrumentation.Builder#timers(false)}).
 * Without such a handler they are on. {@code orderkit.metrics.timers=true|false} overrides the
 * choice. Every counter and gauge is recorded either way.
 */
@AutoConfiguration(
        afterName = {
            // Boot 4
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
            "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
            // Boot 3
            "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
            "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration",
            "org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration"
        })
@ConditionalOnClass(
        name = {
            "dev.orderkit.micrometer.MicrometerInstrumentation",
            "io.micrometer.core.instrument.MeterRegistry",
            "io.micrometer.observation.ObservationRegistry"
        })
@ConditionalOnProperty(prefix = "orderkit.metrics", name = "enabled", havingValue = "true", matchIfMissing = true)
@Conditional(OrderKitMetricsAutoConfiguration.OnRegistry.class)
@EnableConfigurationProperties(OrderKitProperties.class)
public class OrderKitMetricsAutoConfiguration {

    /** Created by Spring. */
    public OrderKitMetricsAutoConfiguration() {}

    /**
     * The instrumentation on the application's (unique or primary) meter registry and observation
     * registry, whichever exist.
     *
     * @param properties {@code orderkit.metrics.*}
     * @param meters the meter registry, if any
     * @param observations the observation registry, if any
     * @param meterHandlers handlers that turn observations into timers, if any
     * @return the instrumentation
     */
    @Bean
    @ConditionalOnMissingBean(Instrumentation.class)
    public MicrometerInstrumentation orderkitInstrumentation(
            OrderKitProperties properties,
            ObjectProvider<MeterRegistry> meters,
            ObjectProvider<ObservationRegistry> observations,
            ObjectProvider<MeterObservationHandler<?>> meterHandlers) {
        MicrometerInstrumentation.Builder b = MicrometerInstrumentation.builder();
        MeterRegistry meterRegistry = meters.getIfUnique();
        if (meterRegistry != null) {
            b.meterRegistry(meterRegistry);
        }
        ObservationRegistry observationRegistry = observations.getIfUnique();
        if (observationRegistry != null) {
            b.observationRegistry(observationRegistry);
        }
        Boolean timers = properties.getMetrics().getTimers();
        if (timers == null) {
            timers = observationRegistry == null
                    || meterHandlers.stream().findAny().isEmpty();
        }
        return b.timers(timers).build();
    }

    /** A MeterRegistry bean or an ObservationRegistry bean. */
    static final class OnRegistry extends AnyNestedCondition {
        OnRegistry() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean(type = "io.micrometer.core.instrument.MeterRegistry")
        static final class Meters {}

        @ConditionalOnBean(type = "io.micrometer.observation.ObservationRegistry")
        static final class Observations {}
    }
}
