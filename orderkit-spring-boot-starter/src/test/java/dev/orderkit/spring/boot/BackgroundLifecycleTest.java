package dev.orderkit.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.Background;
import dev.orderkit.core.BackgroundTaskStatus;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The background lifecycle starts with the context, runs the tasks and stops them on shutdown. */
class BackgroundLifecycleTest {

    static long backgroundThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("orderkit-background-") && t.isAlive())
                .count();
    }

    @Test
    void runsTheTasksWhileTheContextRunsAndStopsOnClose() throws Exception {
        long before = backgroundThreads();
        OrderKitBackgroundLifecycle[] seen = new OrderKitBackgroundLifecycle[1];
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(OrderKitAutoConfiguration.class))
                .withPropertyValues(
                        "orderkit.background.initial-delay=0s",
                        "orderkit.background.expiry-every=20ms",
                        "orderkit.background.recovery-every=20ms",
                        "orderkit.background.purge-every=20ms",
                        "orderkit.background.outbox-every=20ms")
                .run(ctx -> {
                    OrderKitBackgroundLifecycle lifecycle = ctx.getBean(OrderKitBackgroundLifecycle.class);
                    seen[0] = lifecycle;
                    assertThat(lifecycle.isRunning()).isTrue();
                    assertThat(backgroundThreads()).isEqualTo(before + 1);
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (!allRan(lifecycle) && System.nanoTime() < deadline) {
                        Thread.sleep(10);
                    }
                    assertThat(lifecycle.status())
                            .extracting(BackgroundTaskStatus::task)
                            .containsExactlyInAnyOrder(
                                    Background.RECOVERY,
                                    Background.EXPIRY,
                                    Background.OUTBOX,
                                    Background.PURGE,
                                    Background.PAYMENTS);
                    assertThat(allRan(lifecycle)).isTrue();
                    assertThat(lifecycle.status()).allMatch(s -> s.failures() == 0);
                });
        // the context is closed: the lifecycle stopped and the kit's thread ended
        assertThat(seen[0].isRunning()).isFalse();
        assertThat(seen[0].status()).isEmpty();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (backgroundThreads() > before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(backgroundThreads()).isEqualTo(before);
    }

    static boolean allRan(OrderKitBackgroundLifecycle lifecycle) {
        return lifecycle.status().size() == 5 && lifecycle.status().stream().allMatch(s -> s.runs() >= 2);
    }
}
