package dev.orderkit.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.observability.Instrumentation;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.micrometer.MicrometerInstrumentation;
import dev.orderkit.spring.boot.internal.KitRecipe;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@link OrderKitMetricsAutoConfiguration}: when the instrumentation exists, and that every kit reports to it. */
class MetricsAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(OrderKitAutoConfiguration.class, OrderKitMetricsAutoConfiguration.class));

    /** Places 3 orders (1 unit each of its own SKU) and replays the first: 3 first answers, 1 replay. */
    static void placeThreeAndReplayOne(OrderKit kit) {
        PlaceOrderRequest first = null;
        for (int i = 0; i < 3; i++) {
            String sku = "sku-" + UUID.randomUUID();
            kit.stock().adjust(StockKey.of(sku), 10, "test");
            PlaceOrderRequest req = PlaceOrderRequest.builder(
                            Scope.of("boot"), IdempotencyKey.of("k-" + UUID.randomUUID()))
                    .line(sku, 1, 100)
                    .build();
            assertThat(kit.orders().place(req).outcome()).isEqualTo(PlacementOutcome.PLACED);
            if (first == null) {
                first = req;
            }
        }
        PlaceOrderResult again = kit.orders().place(first);
        assertThat(again.replayed()).isTrue();
    }

    static double placements(MeterRegistry registry, String outcome, boolean replayed) {
        Counter c = registry.find("orderkit.placements")
                .tags("outcome", outcome, "replayed", Boolean.toString(replayed))
                .counter();
        return c == null ? 0 : c.count();
    }

    static double allPlacements(MeterRegistry registry) {
        return registry.find("orderkit.placements").counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    static long timerCount(MeterRegistry registry, String name) {
        return registry.find(name).timers().stream().mapToLong(Timer::count).sum();
    }

    @Test
    void meterRegistryBeanCountsEveryPlacementOfTheKitBean() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        runner.withBean(SimpleMeterRegistry.class, () -> registry)
                .withPropertyValues("orderkit.background.enabled=false")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().hasSingleBean(MicrometerInstrumentation.class);
                    Instrumentation bean = ctx.getBean(Instrumentation.class);
                    assertThat(ctx.getBean(KitRecipe.class).instrumentation()).isSameAs(bean);
                    placeThreeAndReplayOne(ctx.getBean(OrderKit.class));
                    assertThat(placements(registry, "placed", false)).isEqualTo(3.0);
                    assertThat(placements(registry, "placed", true)).isEqualTo(1.0);
                    assertThat(allPlacements(registry)).isEqualTo(4.0);
                    // no observation registry: the instrumentation's own timers are on
                    assertThat(timerCount(registry, "orderkit.placement.duration"))
                            .isEqualTo(4);
                    assertThat(registry.find("orderkit.reservations")
                                    .tag("result", "reserved")
                                    .counter()
                                    .count())
                            .isEqualTo(3.0);
                });
    }

    @Test
    void withoutRegistryBeansThereIsNoInstrumentation() {
        runner.withPropertyValues("orderkit.background.enabled=false").run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(OrderKit.class);
            assertThat(ctx).doesNotHaveBean(Instrumentation.class);
            assertThat(ctx.getBean(KitRecipe.class).instrumentation()).isSameAs(Instrumentation.noop());
        });
    }

    @Test
    void metricsEnabledFalseTurnsItOff() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        runner.withBean(SimpleMeterRegistry.class, () -> registry)
                .withPropertyValues("orderkit.metrics.enabled=false", "orderkit.background.enabled=false")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().doesNotHaveBean(Instrumentation.class);
                    assertThat(ctx.getBean(KitRecipe.class).instrumentation()).isSameAs(Instrumentation.noop());
                    placeThreeAndReplayOne(ctx.getBean(OrderKit.class));
                    assertThat(registry.find("orderkit.placements").counters()).isEmpty();
                    assertThat(registry.getMeters()).isEmpty();
                });
    }

    /** Counts placement answers. */
    static final class CountingInstrumentation implements Instrumentation {
        final AtomicInteger placed = new AtomicInteger();

        @Override
        public void placed(PlacementOutcome outcome, boolean replayed) {
            placed.incrementAndGet();
        }
    }

    @Test
    void applicationInstrumentationBeanWins() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CountingInstrumentation mine = new CountingInstrumentation();
        runner.withBean(SimpleMeterRegistry.class, () -> registry)
                .withBean(CountingInstrumentation.class, () -> mine)
                .withPropertyValues("orderkit.background.enabled=false")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().doesNotHaveBean(MicrometerInstrumentation.class);
                    assertThat(ctx.getBean(KitRecipe.class).instrumentation()).isSameAs(mine);
                    placeThreeAndReplayOne(ctx.getBean(OrderKit.class));
                    assertThat(mine.placed.get()).isEqualTo(4);
                    assertThat(registry.find("orderkit.placements").counters()).isEmpty();
                });
    }

    @Test
    void observationRegistryWithAMeterHandlerRecordsTheTimersOnce() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        DefaultMeterObservationHandler handler = new DefaultMeterObservationHandler(registry);
        ObservationRegistry observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(handler); // what Boot's actuator does
        runner.withBean(SimpleMeterRegistry.class, () -> registry)
                .withBean(ObservationRegistry.class, () -> observations)
                .withBean(DefaultMeterObservationHandler.class, () -> handler)
                .withPropertyValues("orderkit.background.enabled=false")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().hasSingleBean(MicrometerInstrumentation.class);
                    placeThreeAndReplayOne(ctx.getBean(OrderKit.class));
                    assertThat(allPlacements(registry)).isEqualTo(4.0);
                    assertThat(placements(registry, "placed", true)).isEqualTo(1.0);
                    // the handler times each place call (tags from the observation's key values) ...
                    assertThat(registry.find("orderkit.place")
                                    .tags("orderkit.operation", "place", "orderkit.outcome", "placed")
                                    .timer()
                                    .count())
                            .isEqualTo(4);
                    // ... so the instrumentation's own timers are off
                    assertThat(registry.find("orderkit.placement.duration").timers())
                            .isEmpty();
                    assertThat(registry.find("orderkit.reservation.duration").timers())
                            .isEmpty();
                });
        // orderkit.metrics.timers=true records both
        SimpleMeterRegistry both = new SimpleMeterRegistry();
        ObservationRegistry observations2 = ObservationRegistry.create();
        DefaultMeterObservationHandler handler2 = new DefaultMeterObservationHandler(both);
        observations2.observationConfig().observationHandler(handler2);
        runner.withBean(SimpleMeterRegistry.class, () -> both)
                .withBean(ObservationRegistry.class, () -> observations2)
                .withBean(DefaultMeterObservationHandler.class, () -> handler2)
                .withPropertyValues("orderkit.background.enabled=false", "orderkit.metrics.timers=true")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    placeThreeAndReplayOne(ctx.getBean(OrderKit.class));
                    assertThat(timerCount(both, "orderkit.place")).isEqualTo(4);
                    assertThat(timerCount(both, "orderkit.placement.duration")).isEqualTo(4);
                });
    }

    @Test
    void observationRegistryAloneMakesAnInstrumentationWithoutMeters() {
        ObservationRegistry observations = ObservationRegistry.create();
        AtomicInteger started = new AtomicInteger();
        observations.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStart(Observation.Context context) {
                if (context.getName().equals("orderkit.place")) {
                    started.incrementAndGet();
                }
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        runner.withBean(ObservationRegistry.class, () -> observations)
                .withPropertyValues("orderkit.background.enabled=false")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().hasSingleBean(MicrometerInstrumentation.class);
                    placeThreeAndReplayOne(ctx.getBean(OrderKit.class));
                    assertThat(started.get()).isEqualTo(4);
                });
    }

    @Test
    void backgroundKitAndJdbcOutboxReportToTheSameRegistry() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<OrderKitEvent> delivered = new CopyOnWriteArrayList<>();
        String db = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        runner.withBean(SimpleMeterRegistry.class, () -> registry)
                .withBean(DataSource.class, () -> OrderKitAutoConfigurationTest.pool(db, "sa", ""))
                .withBean(EventSink.class, () -> delivered::add)
                .withPropertyValues(
                        "orderkit.background.initial-delay=0s",
                        "orderkit.background.recovery-every=100ms",
                        "orderkit.background.outbox-every=100ms")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().hasSingleBean(MicrometerInstrumentation.class);
                    placeThreeAndReplayOne(ctx.getBean(OrderKit.class));
                    assertThat(placements(registry, "placed", false)).isEqualTo(3.0);
                    assertThat(placements(registry, "placed", true)).isEqualTo(1.0);
                    // the lifecycle's kit runs recovery and the outbox, both reporting to the registry
                    long deadline = System.nanoTime() + 30_000_000_000L;
                    while (System.nanoTime() < deadline
                            && !(counter(registry, "orderkit.recovery.runs") >= 1
                                    && ordersIn(delivered) == 3
                                    && counter(registry, "orderkit.outbox.published") == delivered.size())) {
                        Thread.sleep(20);
                    }
                    assertThat(counter(registry, "orderkit.recovery.runs")).isGreaterThanOrEqualTo(1.0);
                    assertThat(delivered).hasSizeGreaterThanOrEqualTo(3);
                    assertThat(ordersIn(delivered)).isEqualTo(3);
                    assertThat(counter(registry, "orderkit.outbox.published")).isEqualTo(delivered.size());
                    assertThat(registry.find("orderkit.outbox.lag").gauge()).isNotNull();
                });
    }

    /** Distinct orders (of this test's scope) among the delivered events. */
    static long ordersIn(List<OrderKitEvent> delivered) {
        return delivered.stream()
                .filter(e -> "boot".equals(e.scope()))
                .map(OrderKitEvent::subjectId)
                .distinct()
                .count();
    }

    static double counter(MeterRegistry registry, String name) {
        return registry.find(name).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    @Test
    void runsOnTheMicrometerVersionOfTheBootLine() {
        String expected = System.getProperty("orderkit.expected.micrometer");
        assertThat(expected).as("set by the surefire configuration").isNotBlank();
        assertThat(MeterRegistry.class.getPackage().getImplementationVersion()).isEqualTo(expected);
        assertThat(ObservationRegistry.class.getPackage().getImplementationVersion())
                .isEqualTo(expected);
    }
}
