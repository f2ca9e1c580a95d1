package dev.orderkit.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The tests run on the Boot line the build selected, with that line's health API, and the metadata is generated. */
class BootLineTest {

    @Test
    void runsOnTheSelectedBootLineWithItsHealthApi() {
        String expected = System.getProperty("orderkit.expected.boot");
        assertThat(expected).as("set by the surefire configuration").isNotBlank();
        assertThat(SpringBootVersion.getVersion()).isEqualTo(expected);
        String api = expected.startsWith("4.")
                ? "org.springframework.boot.health.contributor.HealthIndicator"
                : "org.springframework.boot.actuate.health.HealthIndicator";
        new ApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(OrderKitAutoConfiguration.class, OrderKitHealthAutoConfiguration.class))
                .withPropertyValues("orderkit.background.enabled=false")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    Object indicator = ctx.getBean("orderkitHealthIndicator");
                    assertThat(indicator.getClass().getInterfaces())
                            .extracting(Class::getName)
                            .containsExactly(api);
                });
    }

    @Test
    void configurationMetadataDescribesTheProperties() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(json)
                    .contains("\"name\": \"orderkit.stripe.api-key\"")
                    .contains("\"name\": \"orderkit.jdbc.migrate\"")
                    .contains("\"name\": \"orderkit.redis.uri\"")
                    .contains("\"name\": \"orderkit.idempotency.header\"")
                    .contains("\"name\": \"orderkit.background.recovery-every\"")
                    .contains("\"name\": \"orderkit.metrics.enabled\"")
                    .contains("\"name\": \"orderkit.metrics.timers\"")
                    .contains("Secret or restricted Stripe API key");
        }
    }
}
