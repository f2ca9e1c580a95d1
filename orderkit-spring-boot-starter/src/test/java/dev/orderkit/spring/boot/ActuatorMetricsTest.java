package dev.orderkit.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.OrderKit;
import dev.orderkit.micrometer.MicrometerInstrumentation;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.MeterObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * With Boot's own metrics and observation auto-configuration (actuator's, whose packages differ
 * between Boot 4 and Boot 3): the registries are found, the instrumentation is built after them,
 * and Boot's meter observation handler times the placements (the instrumentation's own timers off).
 */
class ActuatorMetricsTest {

    /** Boot's metrics and observation auto-configurations, of the Boot line on the test class path. */
    static Class<?>[] bootMetricsAutoConfigurations() {
        List<Class<?>> found = new ArrayList<>();
        for (String name : List.of(
                // Boot 4 (spring-boot-micrometer-metrics, spring-boot-micrometer-observation)
                "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
                "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
                // Boot 3 (spring-boot-actuator-autoconfigure)
                "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
                "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
                "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration",
                "org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration")) {
            try {
                found.add(Class.forName(name));
            } catch (ClassNotFoundException otherLine) {
                // the other Boot line's class
            }
        }
        return found.toArray(Class<?>[]::new);
    }

    @Test
    void bootsRegistriesGetTheInstrumentationAndItsHandlerTimesThePlacements() {
        Class<?>[] boot = bootMetricsAutoConfigurations();
        assertThat(boot)
                .as("Boot's metrics auto-configuration on the test class path")
                .isNotEmpty();
        // orderkit's auto-configurations listed FIRST: the ordering must come from afterName
        new ApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(OrderKitMetricsAutoConfiguration.class, OrderKitAutoConfiguration.class))
                .withConfiguration(AutoConfigurations.of(boot))
                .withPropertyValues("orderkit.background.enabled=false")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().hasSingleBean(MicrometerInstrumentation.class);
                    assertThat(ctx).hasSingleBean(ObservationRegistry.class);
                    assertThat(ctx.getBeansOfType(MeterObservationHandler.class))
                            .isNotEmpty();
                    MeterRegistry registry = ctx.getBean(MeterRegistry.class);
                    MetricsAutoConfigurationTest.placeThreeAndReplayOne(ctx.getBean(OrderKit.class));
                    assertThat(MetricsAutoConfigurationTest.placements(registry, "placed", false))
                            .isEqualTo(3.0);
                    assertThat(MetricsAutoConfigurationTest.placements(registry, "placed", true))
                            .isEqualTo(1.0);
                    assertThat(MetricsAutoConfigurationTest.allPlacements(registry))
                            .isEqualTo(4.0);
                    // Boot's DefaultMeterObservationHandler records the observation as a timer ...
                    assertThat(MetricsAutoConfigurationTest.timerCount(registry, "orderkit.place"))
                            .isEqualTo(4);
                    // ... so the instrumentation's own duplicate is off
                    assertThat(registry.find("orderkit.placement.duration").timers())
                            .isEmpty();
                });
    }
}
