package dev.orderkit.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.event.EventJson;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.webhooks.internal.Hmac;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class WebhookVerifierTest {
    private static final Instant NOW = Instant.parse("2026-11-27T04:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final OrderKitEvent EVENT =
            OrderKitEvent.of(EventType.ORDER_CONFIRMED, "ord_9", 4, "shop", Map.of("status", "CONFIRMED"), NOW);
    private static final byte[] BODY = EventJson.toBytes(EVENT);
    private final WebhookVerifier verifier = WebhookVerifier.of("whsec_a").withClock(CLOCK);

    private static String header(String secret, long t, byte[] body) {
        return "t=" + t + ",v1=" + Hmac.sign(secret, t, body);
    }

    @Test
    void aValidSignatureVerifiesAndYieldsTheEvent() {
        assertThat(verifier.verify(header("whsec_a", NOW.getEpochSecond(), BODY), BODY))
                .isEqualTo(EVENT);
        // within the tolerance either way, unknown schemes ignored
        long t = NOW.getEpochSecond() - 299;
        assertThat(verifier.verify("t=" + t + ",v0=ignored,v1=" + Hmac.sign("whsec_a", t, BODY), BODY))
                .isEqualTo(EVENT);
    }

    @Test
    void theSignatureIsStripeStyleHmacSha256OverTimestampDotBody() throws Exception {
        long t = NOW.getEpochSecond();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("whsec_a".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] expected =
                mac.doFinal((t + "." + new String(BODY, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        assertThat(Hmac.sign("whsec_a", t, BODY)).isEqualTo(HexFormat.of().formatHex(expected));
    }

    @Test
    void aForgedSignatureIsRejected() {
        assertThatThrownBy(() -> verifier.verify(header("whsec_attacker", NOW.getEpochSecond(), BODY), BODY))
                .isInstanceOf(WebhookSignatureException.class)
                .hasMessageContaining("no signature matches");
    }

    @Test
    void aTamperedBodyIsRejected() {
        String h = header("whsec_a", NOW.getEpochSecond(), BODY);
        byte[] tampered = new String(BODY, StandardCharsets.UTF_8)
                .replace("ord_9", "ord_8")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> verifier.verify(h, tampered)).isInstanceOf(WebhookSignatureException.class);
    }

    @Test
    void aTamperedTimestampIsRejected() {
        long t = NOW.getEpochSecond();
        String h = "t=" + (t - 1) + ",v1=" + Hmac.sign("whsec_a", t, BODY);
        assertThatThrownBy(() -> verifier.verify(h, BODY)).isInstanceOf(WebhookSignatureException.class);
    }

    @Test
    void anExpiredOrFutureTimestampIsRejectedEvenWhenCorrectlySigned() {
        long old = NOW.minus(Duration.ofMinutes(6)).getEpochSecond();
        assertThatThrownBy(() -> verifier.verify(header("whsec_a", old, BODY), BODY))
                .isInstanceOf(WebhookSignatureException.class)
                .hasMessageContaining("tolerance");
        long future = NOW.plus(Duration.ofMinutes(6)).getEpochSecond();
        assertThatThrownBy(() -> verifier.verify(header("whsec_a", future, BODY), BODY))
                .isInstanceOf(WebhookSignatureException.class);
        assertThat(verifier.withTolerance(Duration.ofMinutes(10)).verify(header("whsec_a", old, BODY), BODY))
                .isEqualTo(EVENT);
    }

    @Test
    void malformedOrMissingHeadersAreRejected() {
        for (String bad : new String[] {
            "",
            "garbage",
            "t=abc,v1=00",
            "v1=" + Hmac.sign("whsec_a", NOW.getEpochSecond(), BODY),
            "t=" + NOW.getEpochSecond(),
            "t=1,t=2,v1=00"
        }) {
            assertThatThrownBy(() -> verifier.verify(bad, BODY)).as(bad).isInstanceOf(WebhookSignatureException.class);
        }
        assertThatThrownBy(() -> verifier.verify(null, BODY)).isInstanceOf(WebhookSignatureException.class);
    }

    @Test
    void duringRotationEitherSecretVerifies() {
        WebhookVerifier rotating = WebhookVerifier.of("whsec_new", "whsec_a").withClock(CLOCK);
        assertThat(rotating.verify(header("whsec_a", NOW.getEpochSecond(), BODY), BODY))
                .isEqualTo(EVENT);
        assertThat(rotating.verify(header("whsec_new", NOW.getEpochSecond(), BODY), BODY))
                .isEqualTo(EVENT);
        long t = NOW.getEpochSecond();
        String both = "t=" + t + ",v1=" + Hmac.sign("whsec_x", t, BODY) + ",v1=" + Hmac.sign("whsec_a", t, BODY);
        assertThat(verifier.verify(both, BODY)).isEqualTo(EVENT);
    }

    @Test
    void aCorrectlySignedBodyThatIsNotAnEventIsRejected() {
        byte[] junk = "{\"hello\":1}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> verifier.verify(header("whsec_a", NOW.getEpochSecond(), junk), junk))
                .isInstanceOf(WebhookSignatureException.class)
                .hasMessageContaining("not an orderkit event");
    }
}
