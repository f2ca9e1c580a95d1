package dev.orderkit.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/** The Stripe webhook endpoint: registered at the configured path, signature checked, outcomes mapped to statuses. */
class StripeWebhookEndpointTest {
    static final String SECRET = "whsec_test_secret";

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(OrderKitAutoConfiguration.class, OrderKitWebMvcAutoConfiguration.class))
            .withPropertyValues(
                    "orderkit.background.enabled=false",
                    "orderkit.stripe.api-key=sk_test_boot",
                    "orderkit.stripe.webhook-secret=" + SECRET,
                    "orderkit.stripe.webhook-path=/hooks/stripe")
            .withUserConfiguration(Web.class);

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    static class Web {}

    static String sign(String secret, String payload) throws Exception {
        long t = Instant.now().getEpochSecond();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] sig = mac.doFinal((t + "." + payload).getBytes(StandardCharsets.UTF_8));
        return "t=" + t + ",v1=" + HexFormat.of().formatHex(sig);
    }

    static MockHttpServletResponse deliver(MockMvc mvc, String payload, String signature) throws Exception {
        var req = post("/hooks/stripe").contentType(MediaType.APPLICATION_JSON).content(payload);
        if (signature != null) {
            req.header("Stripe-Signature", signature);
        }
        return mvc.perform(req).andReturn().getResponse();
    }

    @Test
    void signedDeliveriesAreHandledAndBadOnesAre400() {
        runner.run(ctx -> {
            MockMvc mvc = MockMvcBuilders.webAppContextSetup(ctx).build();
            String event = "{\"id\":\"evt_boot_1\",\"object\":\"event\",\"type\":\"customer.created\","
                    + "\"data\":{\"object\":{\"id\":\"cus_1\",\"object\":\"customer\"}}}";
            MockHttpServletResponse ok = deliver(mvc, event, sign(SECRET, event));
            assertThat(ok.getStatus()).isEqualTo(200);
            assertThat(ok.getContentAsString()).isEqualTo("IGNORED");

            MockHttpServletResponse again = deliver(mvc, event, sign(SECRET, event));
            assertThat(again.getStatus()).isEqualTo(200);

            MockHttpServletResponse unsigned = deliver(mvc, event, null);
            assertThat(unsigned.getStatus()).isEqualTo(400);
            assertThat(unsigned.getContentAsString()).isEqualTo("REJECTED_SIGNATURE");

            MockHttpServletResponse forged = deliver(mvc, event, sign("whsec_other", event));
            assertThat(forged.getStatus()).isEqualTo(400);
            assertThat(forged.getContentAsString()).isEqualTo("REJECTED_SIGNATURE");

            String garbage = "this is not an event";
            MockHttpServletResponse rejected = deliver(mvc, garbage, sign(SECRET, garbage));
            assertThat(rejected.getStatus()).isEqualTo(400);
            assertThat(rejected.getContentAsString()).isEqualTo("REJECTED_PAYLOAD");

            // the default path is not mapped when another is configured
            assertThat(mvc.perform(post("/orderkit/webhooks/stripe").content(event))
                            .andReturn()
                            .getResponse()
                            .getStatus())
                    .isEqualTo(404);
        });
    }

    @Test
    void noEndpointWithoutStripe() {
        new WebApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(OrderKitAutoConfiguration.class, OrderKitWebMvcAutoConfiguration.class))
                .withPropertyValues("orderkit.background.enabled=false")
                .withUserConfiguration(Web.class)
                .run(ctx -> {
                    MockMvc mvc = MockMvcBuilders.webAppContextSetup(ctx).build();
                    assertThat(deliver(mvc, "{}", "t=1,v1=00").getStatus()).isEqualTo(404);
                });
    }
}
