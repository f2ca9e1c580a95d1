package dev.orderkit.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import dev.orderkit.spring.boot.internal.IdempotencyFilter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/** The HTTP idempotency layer: the five IETF cases, failure release, scoping and a 50-request storm. */
class IdempotencyMvcTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(OrderKitAutoConfiguration.class, OrderKitWebMvcAutoConfiguration.class))
            .withPropertyValues("orderkit.background.enabled=false")
            .withUserConfiguration(Web.class);

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    static class Web {
        @Bean
        Shop shop() {
            return new Shop();
        }
    }

    @RestController
    static class Shop {
        final AtomicInteger executions = new AtomicInteger();
        volatile CountDownLatch entered = new CountDownLatch(0);
        volatile CountDownLatch release = new CountDownLatch(0);

        @Idempotent
        @PostMapping("/orders")
        ResponseEntity<String> create(
                @RequestBody String body, @RequestHeader(name = "X-Fail", required = false) String fail)
                throws InterruptedException {
            int n = executions.incrementAndGet();
            entered.countDown();
            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
            if (fail != null) {
                throw new IllegalStateException("simulated failure " + n);
            }
            return ResponseEntity.created(URI.create("/orders/" + n))
                    .contentType(MediaType.APPLICATION_JSON)
                    .header("X-Not-Replayed", "x")
                    .body("{\"order\":" + n + ",\"echo\":" + body + "}");
        }

        @Idempotent
        @GetMapping("/orders/latest")
        String latest() {
            return "latest " + executions.get();
        }

        @PostMapping("/plain")
        ResponseEntity<String> plain() {
            executions.incrementAndGet();
            return ResponseEntity.ok("plain");
        }
    }

    static MockMvc mvc(WebApplicationContext ctx) {
        return MockMvcBuilders.webAppContextSetup(ctx)
                .addFilters(ctx.getBean(IdempotencyFilter.class))
                .build();
    }

    static MockHttpServletRequestBuilder order(String key, String body) {
        MockHttpServletRequestBuilder b =
                post("/orders").contentType(MediaType.APPLICATION_JSON).content(body);
        return key == null ? b : b.header("Idempotency-Key", key);
    }

    static MockHttpServletResponse send(MockMvc mvc, MockHttpServletRequestBuilder req) throws Exception {
        return mvc.perform(req).andReturn().getResponse();
    }

    @Test
    void firstRequestRunsAndTheRepeatIsReplayed() {
        runner.run(ctx -> {
            MockMvc mvc = mvc(ctx);
            Shop shop = ctx.getBean(Shop.class);
            MockHttpServletResponse first = send(mvc, order("\"k-1\"", "{\"sku\":\"a\"}"));
            assertThat(first.getStatus()).isEqualTo(201);
            assertThat(first.getHeader("Location")).isEqualTo("/orders/1");
            assertThat(first.getHeader(IdempotencyFilterNames.REPLAYED)).isNull();
            assertThat(first.getContentAsString()).isEqualTo("{\"order\":1,\"echo\":{\"sku\":\"a\"}}");

            MockHttpServletResponse again = send(mvc, order("k-1", "{\"sku\":\"a\"}"));
            assertThat(again.getStatus()).isEqualTo(201);
            assertThat(again.getHeader(IdempotencyFilterNames.REPLAYED)).isEqualTo("true");
            assertThat(again.getHeader("Location")).isEqualTo("/orders/1");
            assertThat(again.getContentType()).startsWith("application/json");
            assertThat(again.getHeader("X-Not-Replayed")).isNull();
            assertThat(again.getContentAsString()).isEqualTo(first.getContentAsString());
            assertThat(shop.executions.get()).isEqualTo(1);
        });
    }

    @Test
    void missingKeyIs400ProblemJson() {
        runner.run(ctx -> {
            MockMvc mvc = mvc(ctx);
            MockHttpServletResponse r = send(mvc, order(null, "{}"));
            assertThat(r.getStatus()).isEqualTo(400);
            assertThat(r.getContentType()).isEqualTo("application/problem+json");
            assertThat(r.getContentAsString())
                    .contains("\"type\":\"https://orderkit.dev/problems/idempotency-key-missing\"")
                    .contains("\"status\":400")
                    .contains("\"instance\":\"/orders\"");
            assertThat(ctx.getBean(Shop.class).executions.get()).isZero();
            // an endpoint without @Idempotent is untouched, with or without the header
            assertThat(send(mvc, post("/plain")).getStatus()).isEqualTo(200);
            assertThat(send(mvc, post("/plain").header("Idempotency-Key", "p")).getStatus())
                    .isEqualTo(200);
            // safe methods are idempotent already: no key needed, nothing stored or replayed
            MockHttpServletResponse read = send(mvc, get("/orders/latest"));
            assertThat(read.getStatus()).isEqualTo(200);
            assertThat(read.getContentAsString()).isEqualTo("latest 2");
            assertThat(send(mvc, get("/orders/latest").header("Idempotency-Key", "g"))
                            .getHeader(IdempotencyFilterNames.REPLAYED))
                    .isNull();
        });
    }

    @Test
    void reuseWithAnotherBodyIs422() {
        runner.run(ctx -> {
            MockMvc mvc = mvc(ctx);
            assertThat(send(mvc, order("k-2", "{\"sku\":\"a\"}")).getStatus()).isEqualTo(201);
            MockHttpServletResponse r = send(mvc, order("k-2", "{\"sku\":\"b\"}"));
            assertThat(r.getStatus()).isEqualTo(422);
            assertThat(r.getContentType()).isEqualTo("application/problem+json");
            assertThat(r.getContentAsString()).contains("idempotency-key-reused");
            assertThat(ctx.getBean(Shop.class).executions.get()).isEqualTo(1);
        });
    }

    @Test
    void aRepeatWhileTheFirstRunsIs409() {
        runner.run(ctx -> {
            MockMvc mvc = mvc(ctx);
            Shop shop = ctx.getBean(Shop.class);
            shop.entered = new CountDownLatch(1);
            shop.release = new CountDownLatch(1);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<MockHttpServletResponse> first = pool.submit(() -> send(mvc, order("k-3", "{}")));
                assertThat(shop.entered.await(10, TimeUnit.SECONDS)).isTrue();
                MockHttpServletResponse r = send(mvc, order("k-3", "{}"));
                assertThat(r.getStatus()).isEqualTo(409);
                assertThat(r.getContentType()).isEqualTo("application/problem+json");
                assertThat(r.getContentAsString()).contains("idempotency-request-in-progress");
                assertThat(Integer.parseInt(r.getHeader("Retry-After"))).isBetween(1, 30);
                shop.release.countDown();
                assertThat(first.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(201);
                assertThat(send(mvc, order("k-3", "{}")).getHeader(IdempotencyFilterNames.REPLAYED))
                        .isEqualTo("true");
                assertThat(shop.executions.get()).isEqualTo(1);
            } finally {
                pool.shutdownNow();
            }
        });
    }

    @Test
    void aFailedFirstExecutionReleasesTheKey() {
        runner.run(ctx -> {
            MockMvc mvc = mvc(ctx);
            Shop shop = ctx.getBean(Shop.class);
            try {
                send(mvc, order("k-4", "{}").header("X-Fail", "1"));
            } catch (Exception e) {
                assertThat(e).hasRootCauseMessage("simulated failure 1");
            }
            MockHttpServletResponse retry = send(mvc, order("k-4", "{}"));
            assertThat(retry.getStatus()).isEqualTo(201);
            assertThat(retry.getHeader(IdempotencyFilterNames.REPLAYED)).isNull();
            assertThat(retry.getHeader("Location")).isEqualTo("/orders/2");
            assertThat(shop.executions.get()).isEqualTo(2);
        });
    }

    @Test
    void keysAreScopedByTheResolver() {
        runner.withBean(IdempotencyScopeResolver.class, () -> req -> "client-" + req.getHeader("X-Client"))
                .run(ctx -> {
                    MockMvc mvc = mvc(ctx);
                    assertThat(send(mvc, order("k-5", "{}").header("X-Client", "a"))
                                    .getStatus())
                            .isEqualTo(201);
                    MockHttpServletResponse b = send(mvc, order("k-5", "{}").header("X-Client", "b"));
                    assertThat(b.getHeader(IdempotencyFilterNames.REPLAYED)).isNull();
                    assertThat(b.getHeader("Location")).isEqualTo("/orders/2");
                    MockHttpServletResponse a = send(mvc, order("k-5", "{}").header("X-Client", "a"));
                    assertThat(a.getHeader(IdempotencyFilterNames.REPLAYED)).isEqualTo("true");
                    assertThat(a.getHeader("Location")).isEqualTo("/orders/1");
                    assertThat(ctx.getBean(Shop.class).executions.get()).isEqualTo(2);
                });
    }

    @Test
    void fiftyConcurrentIdenticalRequestsExecuteOnce() {
        runner.run(ctx -> {
            MockMvc mvc = mvc(ctx);
            Shop shop = ctx.getBean(Shop.class);
            int n = 50;
            ExecutorService pool = Executors.newFixedThreadPool(n);
            CountDownLatch go = new CountDownLatch(1);
            try {
                List<Future<MockHttpServletResponse>> answers = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    answers.add(pool.submit(() -> {
                        go.await();
                        return send(mvc, order("storm", "{\"sku\":\"s\"}"));
                    }));
                }
                go.countDown();
                int executed = 0;
                int replayed = 0;
                int inProgress = 0;
                for (Future<MockHttpServletResponse> f : answers) {
                    MockHttpServletResponse r = f.get(30, TimeUnit.SECONDS);
                    if (r.getStatus() == 409) {
                        inProgress++;
                    } else {
                        assertThat(r.getStatus()).isEqualTo(201);
                        assertThat(r.getHeader("Location")).isEqualTo("/orders/1");
                        if ("true".equals(r.getHeader(IdempotencyFilterNames.REPLAYED))) {
                            replayed++;
                        } else {
                            executed++;
                        }
                    }
                }
                assertThat(shop.executions.get()).isEqualTo(1);
                assertThat(executed).isEqualTo(1);
                assertThat(executed + replayed + inProgress).isEqualTo(n);
            } finally {
                pool.shutdownNow();
            }
        });
    }

    /** The replay marker header's name, as the README documents it. */
    static final class IdempotencyFilterNames {
        static final String REPLAYED = "Idempotent-Replayed";
    }
}
