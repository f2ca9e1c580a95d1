package dev.orderkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.PaymentRejectedException;
import dev.orderkit.core.PaymentUnavailableException;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.payment.PaymentResult;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetriesTest {
    private static final RetrySettings FAST = new RetrySettings(
            3,
            Duration.ofMillis(1),
            Duration.ofMillis(2),
            2,
            Duration.ofMillis(1),
            Duration.ofMillis(2),
            2,
            Duration.ofMillis(1),
            Duration.ofMillis(300),
            3,
            Duration.ofSeconds(60),
            0.1);

    @Test
    void backendFailuresAreRetriedThenSurface() {
        Retries r = new Retries(FAST);
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> r.backend(() -> {
                    calls.incrementAndGet();
                    throw new BackendUnavailableException("down", null);
                }))
                .isInstanceOf(BackendUnavailableException.class);
        assertThat(calls).hasValue(3); // 1 + 2 retries
    }

    @Test
    void racingRerunsLostRacesWithinTheConflictBudgetAndKeepsEveryLostAttempt() {
        Retries r = new Retries(FAST);
        AtomicInteger calls = new AtomicInteger();
        assertThat(r.racing(
                        () -> {
                            if (calls.incrementAndGet() < 3) {
                                throw new ConcurrencyConflictException("lost " + calls.get());
                            }
                            return "won";
                        },
                        e -> e))
                .isEqualTo("won");
        calls.set(0);
        assertThatThrownBy(() -> r.racing(
                        () -> {
                            throw new ConcurrencyConflictException("lost " + calls.incrementAndGet());
                        },
                        e -> new InvalidRequestException("race", e.getMessage(), "spent")))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("lost 4");
        assertThat(calls).hasValue(4); // 1 + 3 conflict retries
        calls.set(0);
        assertThatThrownBy(() -> r.racing(
                        () -> {
                            throw new ConcurrencyConflictException("lost " + calls.incrementAndGet());
                        },
                        e -> e))
                .satisfies(e -> assertThat(e.getSuppressed())
                        .extracting(Throwable::getMessage)
                        .containsExactly("lost 1", "lost 2", "lost 3"));
    }

    @Test
    void transientOnlyRetriesFailuresButHandsAConflictToTheCaller() {
        Retries r = new Retries(FAST);
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> r.transientOnly(() -> {
                    calls.incrementAndGet();
                    throw new ConcurrencyConflictException("stale version");
                }))
                .isInstanceOf(ConcurrencyConflictException.class);
        assertThat(calls).hasValue(1);
        AtomicInteger flaky = new AtomicInteger();
        assertThat(r.transientOnly(() -> {
                    if (flaky.incrementAndGet() < 2) {
                        throw new BackendUnavailableException("lost connection", null);
                    }
                    return "ok";
                }))
                .isEqualTo("ok");
    }

    @Test
    void conflictsAreRetriedUntilTheyPass() {
        Retries r = new Retries(FAST);
        AtomicInteger calls = new AtomicInteger();
        String v = r.backend(() -> {
            if (calls.incrementAndGet() < 3) {
                throw new ConcurrencyConflictException("lost");
            }
            return "ok";
        });
        assertThat(v).isEqualTo("ok");
        assertThat(calls).hasValue(3);
    }

    @Test
    void nonTransientFailuresAreNotRetried() {
        Retries r = new Retries(FAST);
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> r.payment(() -> {
                    calls.incrementAndGet();
                    throw new PaymentRejectedException("bad request", null);
                }))
                .isInstanceOf(PaymentRejectedException.class);
        assertThat(calls).hasValue(1);
    }

    @Test
    void declinesAreResultsAndNeverRetried() {
        Retries r = new Retries(FAST);
        AtomicInteger calls = new AtomicInteger();
        PaymentResult res = r.payment(() -> {
            calls.incrementAndGet();
            return new PaymentResult.Declined("card_declined", "no");
        });
        assertThat(res).isInstanceOf(PaymentResult.Declined.class);
        assertThat(calls).hasValue(1);
    }

    @Test
    void paymentRetryHonoursRetryAfterHint() {
        Retries r = new Retries(FAST);
        AtomicInteger calls = new AtomicInteger();
        long t0 = System.nanoTime();
        PaymentResult res = r.payment(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new PaymentUnavailableException("429", Duration.ofMillis(150), null);
            }
            return new PaymentResult.Approved("pi_1");
        });
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(res).isEqualTo(new PaymentResult.Approved("pi_1"));
        assertThat(calls).hasValue(2);
        // the configured backoff is 1-2 ms; only the hint explains a wait of 100+ ms
        assertThat(elapsedMs).isGreaterThanOrEqualTo(100);
    }

    @Test
    void circuitBreakerOpensAfterConsecutiveFailuresAndFailsFast() {
        Retries r = new Retries(FAST);
        AtomicInteger calls = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> r.payment(() -> {
                        calls.incrementAndGet();
                        throw new PaymentUnavailableException("503", null, null);
                    }))
                    .isInstanceOf(PaymentUnavailableException.class);
        }
        int before = calls.get();
        assertThatThrownBy(() -> r.payment(() -> {
                    calls.incrementAndGet();
                    return new PaymentResult.Approved("x");
                }))
                .isInstanceOf(PaymentUnavailableException.class)
                .hasMessageContaining("circuit breaker");
        assertThat(calls.get()).isEqualTo(before); // not even attempted
    }

    @Test
    void settingsAreValidatedWithTheFieldName() {
        assertThatThrownBy(() -> new RetrySettings(
                        -1,
                        Duration.ofMillis(1),
                        Duration.ofMillis(1),
                        0,
                        Duration.ofMillis(1),
                        Duration.ofMillis(1),
                        0,
                        Duration.ofMillis(1),
                        Duration.ofMillis(1),
                        1,
                        Duration.ofSeconds(1),
                        0))
                .isInstanceOf(InvalidRequestException.class)
                .extracting(e -> ((InvalidRequestException) e).field())
                .isEqualTo("conflictMaxRetries");
        assertThatThrownBy(() -> RetrySettings.defaults().withBreaker(0, Duration.ofSeconds(1)))
                .isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void noRetriesSettingsBuildAndRunEachStepOnce() {
        Retries r = new Retries(RetrySettings.none());
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> r.backend(() -> {
                    calls.incrementAndGet();
                    throw new BackendUnavailableException("down", null);
                }))
                .isInstanceOf(BackendUnavailableException.class);
        assertThat(calls).hasValue(1);
    }

    @Test
    void failedAttemptsAreKeptAsSuppressedExceptionsOfTheOneThatSurfaces() {
        Retries r = new Retries(FAST);
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> r.backend(() -> {
                    throw new BackendUnavailableException("down " + calls.incrementAndGet(), null);
                }))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessage("down 3")
                .satisfies(e -> assertThat(e.getSuppressed())
                        .extracting(Throwable::getMessage)
                        .containsExactly("down 1", "down 2"));
        AtomicInteger paid = new AtomicInteger();
        assertThatThrownBy(() -> r.payment(() -> {
                    throw new PaymentUnavailableException("503 #" + paid.incrementAndGet(), null, null);
                }))
                .hasMessage("503 #3")
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(2));
        assertThat(r.backend(() -> "ok")).isEqualTo("ok");
    }

    @Test
    void aNonRetryableFailureAfterRetriesCarriesTheEarlierAttempts() {
        Retries r = new Retries(FAST);
        AtomicInteger calls = new AtomicInteger();
        IllegalStateException bug = new IllegalStateException("bug");
        assertThatThrownBy(() -> r.backend(() -> {
                    if (calls.incrementAndGet() == 1) {
                        throw new ConcurrencyConflictException("lost");
                    }
                    throw bug;
                }))
                .isSameAs(bug)
                .satisfies(e ->
                        assertThat(e.getSuppressed()).singleElement().isInstanceOf(ConcurrencyConflictException.class));
    }

    @Test
    void budgetsOfComposedPoliciesAddUp() {
        Retries r = new Retries(FAST); // 3 conflict retries, 2 backend retries
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> r.backend(() -> {
                    // the conflict budget first, then transient failures: 1 + 3 + 2 attempts
                    if (calls.incrementAndGet() <= 3) {
                        throw new ConcurrencyConflictException("lost " + calls.get());
                    }
                    throw new BackendUnavailableException("down " + calls.get(), null);
                }))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessage("down 6");
        AtomicInteger mixed = new AtomicInteger();
        assertThatThrownBy(() -> r.backend(() -> {
                    // a transient retry does not refill the conflict budget
                    int n = mixed.incrementAndGet();
                    if (n == 4) {
                        throw new BackendUnavailableException("down " + n, null);
                    }
                    throw new ConcurrencyConflictException("lost " + n);
                }))
                .isInstanceOf(ConcurrencyConflictException.class)
                .hasMessage("lost 5")
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(4));
    }

    private static boolean underFailsafe() {
        for (StackTraceElement e : Thread.currentThread().getStackTrace()) {
            if (e.getClassName().startsWith("dev.failsafe.")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aFirstAttemptThatSucceedsRunsWithoutAFailsafeExecutionAndAFailureContinuesUnderThePolicies() {
        Retries r = new Retries(FAST);
        assertThat(r.backend(RetriesTest::underFailsafe)).isFalse();
        assertThat(r.transientOnly(RetriesTest::underFailsafe)).isFalse();
        assertThat(r.racing(RetriesTest::underFailsafe, e -> e)).isFalse();
        assertThat(r.payment(RetriesTest::underFailsafe)).isFalse(); // while the breaker is closed
        // a handled failure on the first attempt: the retries run under the policies, the first
        // attempt is not run twice and the budget is the documented one (1 + 2 backend retries)
        List<Boolean> attempts = new ArrayList<>();
        assertThatThrownBy(() -> r.backend(() -> {
                    attempts.add(underFailsafe());
                    throw new BackendUnavailableException("down " + attempts.size(), null);
                }))
                .hasMessage("down 3")
                .satisfies(e -> assertThat(e.getSuppressed())
                        .extracting(Throwable::getMessage)
                        .containsExactly("down 1", "down 2"));
        assertThat(attempts).containsExactly(false, true, true);
        attempts.clear();
        assertThat(r.racing(
                        () -> {
                            attempts.add(underFailsafe());
                            if (attempts.size() == 1) {
                                throw new ConcurrencyConflictException("lost");
                            }
                            return "won";
                        },
                        e -> e))
                .isEqualTo("won");
        assertThat(attempts).containsExactly(false, true);
        // a failure no policy handles is the only attempt, thrown as is
        IllegalStateException bug = new IllegalStateException("bug");
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> r.backend(() -> {
                    calls.incrementAndGet();
                    throw bug;
                }))
                .isSameAs(bug)
                .satisfies(e -> assertThat(e.getSuppressed()).isEmpty());
        assertThat(calls).hasValue(1);
        // a checked exception surfaces as BackendUnavailableException, as under Failsafe
        assertThatThrownBy(() -> r.backend(() -> {
                    throw new IOException("io");
                }))
                .isInstanceOf(BackendUnavailableException.class)
                .hasCauseInstanceOf(IOException.class);
    }
}
