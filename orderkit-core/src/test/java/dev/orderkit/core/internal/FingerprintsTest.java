package dev.orderkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.Scope;
import org.junit.jupiter.api.Test;

class FingerprintsTest {
    private static PlaceOrderRequest.Builder base(String scope, String key) {
        return PlaceOrderRequest.builder(Scope.of(scope), IdempotencyKey.of(key))
                .customerRef("c");
    }

    @Test
    void lineOrderCurrencyCaseScopeAndKeyDoNotChangeTheFingerprint() {
        String a = Fingerprints.of(base("s1", "k1")
                .currency("EUR")
                .line("a", 1, 10)
                .line("b", 2, 20)
                .build());
        String b = Fingerprints.of(base("s2", "k2")
                .currency("eur")
                .line("b", 2, 20)
                .line("a", 1, 10)
                .build());
        assertThat(a).isEqualTo(b).hasSize(64).matches("[0-9a-f]{64}");
    }

    @Test
    void everyPayloadFieldChangesTheFingerprint() {
        String ref = Fingerprints.of(base("s", "k").line("a", 1, 10).build());
        assertThat(Fingerprints.of(base("s", "k").line("a", 2, 10).build())).isNotEqualTo(ref);
        assertThat(Fingerprints.of(base("s", "k").line("a", 1, 11).build())).isNotEqualTo(ref);
        assertThat(Fingerprints.of(base("s", "k").line("b", 1, 10).build())).isNotEqualTo(ref);
        assertThat(Fingerprints.of(
                        base("s", "k").currency("gbp").line("a", 1, 10).build()))
                .isNotEqualTo(ref);
        assertThat(Fingerprints.of(
                        base("s", "k").paymentMethod("pm_x").line("a", 1, 10).build()))
                .isNotEqualTo(ref);
        assertThat(Fingerprints.of(
                        base("s", "k").customerRef("d").line("a", 1, 10).build()))
                .isNotEqualTo(ref);
        assertThat(Fingerprints.of(
                        base("s", "k").metadata("m", "1").line("a", 1, 10).build()))
                .isNotEqualTo(ref);
    }
}
