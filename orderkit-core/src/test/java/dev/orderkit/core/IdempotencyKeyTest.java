package dev.orderkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A missing or blank key is the client's field (HTTP 400), named, never a NullPointerException. */
class IdempotencyKeyTest {

    private static void assertKeyRejected(Runnable call, String reason) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(InvalidRequestException.class, e -> {
            assertThat(e.field()).isEqualTo("idempotencyKey");
            assertThat(e.getMessage()).contains(reason);
        });
    }

    @Test
    @SuppressWarnings("NullAway") // the missing header, on purpose
    void aMissingKeyIsAnInvalidRequestNamingTheField() {
        assertKeyRejected(() -> IdempotencyKey.of(null), "is required");
        assertKeyRejected(() -> new IdempotencyKey(null), "is required");
        assertKeyRejected(
                () -> new PlaceOrderRequest(
                        Scope.of("s"), null, "c", "EUR", "pm_card_visa", List.of(new OrderLine("a", 1, 10)), Map.of()),
                "is required");
        assertKeyRejected(
                () -> PlaceOrderRequest.builder(Scope.of("s"), null)
                        .line("a", 1, 10)
                        .build(),
                "is required");
    }

    @Test
    void aBlankKeyIsAnInvalidRequestNamingTheField() {
        assertKeyRejected(() -> IdempotencyKey.of(""), "must not be blank");
        assertKeyRejected(() -> IdempotencyKey.of("   "), "must not be blank");
        assertKeyRejected(() -> IdempotencyKey.of("\t"), "must not be blank");
        assertKeyRejected(() -> IdempotencyKey.of("k".repeat(256)), "must be 1..255 characters");
        assertKeyRejected(() -> IdempotencyKey.of("a b"), "printable ASCII");
        assertThat(IdempotencyKey.of("k-1").value()).isEqualTo("k-1");
    }
}
