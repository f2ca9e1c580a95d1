package dev.orderkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderLine;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.Scope;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
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

    /**
     * The fingerprint as versions before the direct canonical writer computed it (Jackson's
     * canonical mapper over a map). Keys stored by those versions must keep matching.
     */
    private static String jacksonFingerprint(PlaceOrderRequest r) {
        Map<String, Object> canonical = new LinkedHashMap<>();
        canonical.put("v", 1);
        canonical.put("customerRef", r.customerRef());
        canonical.put("currency", r.total().currency());
        canonical.put("paymentMethod", r.paymentMethod());
        List<OrderLine> lines =
                r.lines().stream().sorted(Comparator.comparing(OrderLine::sku)).toList();
        canonical.put("lines", lines);
        canonical.put("metadata", r.metadata());
        return Fingerprints.sha256(Json.write(canonical));
    }

    @Test
    void fingerprintsStoredByEarlierVersionsStayValid() {
        // values computed by the Jackson-based implementation (before the direct writer)
        PlaceOrderRequest simple = base("s", "k").line("a", 1, 10).build();
        PlaceOrderRequest multi = base("shop", "key-1")
                .customerRef("cust_42")
                .currency("EUR")
                .paymentMethod("pm_card_mastercard")
                .line("sku-b", 3, 1999)
                .line("sku-a", 1, 0)
                .line("SKU-C", 999, 999_999_999_999L)
                .build();
        PlaceOrderRequest escaped = base("s", "k")
                .customerRef("naïve \"quoted\" \\ ünïcødé €")
                .line("ščř/ü", 2, 5)
                .metadata("note", "tab\there\nnew \"q\" \\ \u0001\u001f\u007f \b\f\r/é😀")
                .metadata("a_first", "x")
                .build();
        assertThat(Fingerprints.of(simple))
                .isEqualTo("af909904a5f1294fb37d9aabc3a8b53c0f59bd5af5584276d3f53e1c05a166ca");
        assertThat(Fingerprints.of(multi))
                .isEqualTo("f2709c16458491cdd2dc03ae448c6402f33dff4e12662f66e2ffd2ee2256c559");
        assertThat(Fingerprints.of(escaped))
                .isEqualTo("5a1dfd0fe24c5a639a7399cc54ad75ed8a59d09d2f34557344e1d1da81c8f0e0");
        for (PlaceOrderRequest r : List.of(simple, multi, escaped)) {
            assertThat(Fingerprints.of(r)).isEqualTo(jacksonFingerprint(r));
        }
    }

    @Test
    void directWriterMatchesTheJacksonCanonicalFormOnRandomRequests() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int i = 0; i < 2_000; i++) {
            PlaceOrderRequest.Builder b = base("s", "k")
                    .customerRef(word(rnd, false))
                    .currency(rnd.nextBoolean() ? "usd" : "EuR")
                    .paymentMethod(word(rnd, false));
            int lines = 1 + rnd.nextInt(6);
            for (int l = 0; l < lines; l++) {
                b.line(word(rnd, false) + "#" + l, 1 + rnd.nextInt(100), rnd.nextLong(1_000_000_000_000L));
            }
            int meta = rnd.nextInt(4);
            for (int m = 0; m < meta; m++) {
                b.metadata("k" + rnd.nextInt(100), word(rnd, true));
            }
            PlaceOrderRequest r = b.build();
            assertThat(Fingerprints.of(r)).as("request %s", r).isEqualTo(jacksonFingerprint(r));
        }
    }

    /** A non-blank word; with controls when allowed (metadata values), else printable and non-ASCII. */
    private static String word(SplittableRandom rnd, boolean controls) {
        String alphabet = "abcXYZ09 _-/\"'é€ü😀<>&\\";
        int n = 1 + rnd.nextInt(12);
        StringBuilder sb = new StringBuilder("w");
        for (int i = 0; i < n; i++) {
            if (controls && rnd.nextInt(5) == 0) {
                sb.append((char) rnd.nextInt(0x20));
            } else if (controls && rnd.nextInt(20) == 0) {
                sb.append((char) 0x7f);
            } else {
                int at = rnd.nextInt(alphabet.length());
                char c = alphabet.charAt(at);
                if (Character.isHighSurrogate(c)) {
                    sb.append(c).append(alphabet.charAt(at + 1));
                } else if (!Character.isLowSurrogate(c)) {
                    sb.append(c);
                }
            }
        }
        return sb.toString();
    }
}
