package dev.orderkit.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import dev.orderkit.core.OrderKit;
import dev.orderkit.core.StockKey;
import dev.orderkit.jdbc.JdbcBackend;
import dev.orderkit.spring.boot.internal.IdempotencyFilter;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/**
 * The README quick start: the three properties and the controller, with Boot's own DataSource
 * auto-configuration (its class name differs between Boot 4 and Boot 3; orderkit runs after both).
 */
class QuickStartTest {
    static final String[] README_PROPERTIES = {
        "spring.datasource.url=jdbc:h2:mem:shop;DB_CLOSE_DELAY=-1",
        "orderkit.jdbc.table-prefix=shop_",
        "orderkit.background.recovery-every=10s"
    };

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    @Import(CheckoutController.class)
    static class App {}

    static Class<?> dataSourceAutoConfiguration() throws ClassNotFoundException {
        try {
            return Class.forName("org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration");
        } catch (ClassNotFoundException boot3) {
            return Class.forName("org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration");
        }
    }

    @Test
    void threePropertiesAndOneControllerPlaceAnOrderOnce() throws Exception {
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        dataSourceAutoConfiguration(),
                        OrderKitAutoConfiguration.class,
                        OrderKitWebMvcAutoConfiguration.class))
                .withPropertyValues(README_PROPERTIES)
                .withUserConfiguration(App.class)
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx.getBean(JdbcBackend.class).tablePrefix()).isEqualTo("shop_");
                    OrderKit kit = ctx.getBean(OrderKit.class);
                    kit.stock().adjust(StockKey.of("tee"), 3, "restock");
                    MockMvc mvc = MockMvcBuilders.webAppContextSetup(ctx)
                            .addFilters(ctx.getBean(IdempotencyFilter.class))
                            .build();
                    MockHttpServletResponse first = mvc.perform(
                                    post("/checkout/tee").header("Idempotency-Key", "q-1"))
                            .andReturn()
                            .getResponse();
                    assertThat(first.getStatus()).isEqualTo(201);
                    assertThat(first.getContentAsString()).startsWith("PLACED ");
                    MockHttpServletResponse retry = mvc.perform(
                                    post("/checkout/tee").header("Idempotency-Key", "q-1"))
                            .andReturn()
                            .getResponse();
                    assertThat(retry.getContentAsString()).isEqualTo(first.getContentAsString());
                    assertThat(retry.getHeader("Idempotent-Replayed")).isEqualTo("true");
                    assertThat(kit.stock()
                                    .level(StockKey.of("tee"))
                                    .orElseThrow()
                                    .available())
                            .isEqualTo(2);
                });
    }
}
