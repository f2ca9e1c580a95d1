package dev.orderkit.core.internal;

import dev.failsafe.CircuitBreaker;
import dev.failsafe.CircuitBreakerOpenException;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import dev.failsafe.RetryPolicyBuilder;
import dev.failsafe.function.CheckedSupplier;
import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.PaymentRateLimitedException;
import dev.orderkit.core.PaymentUnavailableException;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.observability.CircuitState;
import dev.orderkit.core.observability.Instrumentation;
import dev.orderkit.core.observability.Operation;
import dev.orderkit.core.observability.Outcomes;
import dev.orderkit.core.observability.RetryCause;
import dev.orderkit.core.observability.Timing;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.core.spi.StepTransactions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The one retry layer: Failsafe executors built once from {@link RetrySettings}. Backends never
 * retry; they report a lost race as a result or a {@link ConcurrencyConflictException} and a failure
 * as {@link BackendUnavailableException}, and these policies decide how often and how long.
 *
 * <p>Budgets per call (each policy counts its own retries; composed policies add up, they never
 * multiply): {@link #backend} makes at most {@code 1 + backendMaxRetries + conflictMaxRetries}
 * attempts, {@link #transientOnly} {@code 1 + backendMaxRetries}, {@link #payment}
 * {@code 1 + paymentMaxRetries} while the circuit breaker is closed; {@link #unit} retries a whole
 * atomic phase like {@link #backend} and its SPI calls are not retried one by one. When a call fails after retries, the exception of every earlier failed attempt
 * is attached to the surfacing exception as {@linkplain Throwable#getSuppressed() suppressed}.
 *
 * <p>Fast path: {@link #backend}, {@link #racing}, {@link #transientOnly} and {@link #unit} run the
 * first attempt directly; only an attempt that fails with an exception a policy handles continues
 * under Failsafe (with the same budgets), so a call that succeeds first time costs no execution.
 * {@link #payment} does the same while its circuit breaker is closed, recording the outcome with it.
 *
 * <p>Thread-safe.
 */
public final class Retries {
    private final FailsafeExecutor<Object> backend;
    private final FailsafeExecutor<Object> transientOnly;
    private final FailsafeExecutor<Object> payment;
    private final CircuitBreaker<Object> breaker;
    private final Instrumentation instrumentation;

    public Retries(RetrySettings s) {
        this(s, Instrumentation.noop());
    }

    /**
     * Retry executors that report retries, circuit-breaker transitions and payment calls.
     *
     * @param s the budgets
     * @param instrumentation where to report (also handed to the services through {@link #instrumentation()})
     */
    public Retries(RetrySettings s, Instrumentation instrumentation) {
        this.instrumentation = instrumentation;
        RetryPolicy<Object> conflict = delays(
                        RetryPolicy.builder().handle(ConcurrencyConflictException.class),
                        s.conflictBaseDelay(),
                        s.conflictMaxDelay())
                .withJitter(s.jitterFactor())
                .withMaxRetries(s.conflictMaxRetries())
                .build();
        RetryPolicy<Object> transientBackend = delays(
                        RetryPolicy.builder().handle(BackendUnavailableException.class),
                        s.backendBaseDelay(),
                        s.backendMaxDelay())
                .withJitter(s.jitterFactor())
                .withMaxRetries(s.backendMaxRetries())
                .build();
        this.backend = Failsafe.with(transientBackend, conflict);
        this.transientOnly = Failsafe.with(transientBackend);
        Duration cap = s.paymentMaxDelay();
        RetryPolicy<Object> paymentRetry = delays(
                        RetryPolicy.builder().handle(PaymentUnavailableException.class),
                        s.paymentBaseDelay(),
                        s.paymentMaxDelay())
                .withJitter(s.jitterFactor())
                .withDelayFnOn(
                        ctx -> {
                            PaymentUnavailableException e = (PaymentUnavailableException) ctx.getLastException();
                            Duration hint = e == null ? null : e.retryAfter();
                            if (hint == null) {
                                return Duration.ofMillis(-1); // fall back to the backoff
                            }
                            return hint.compareTo(cap) > 0 ? cap : hint;
                        },
                        PaymentUnavailableException.class)
                .withMaxRetries(s.paymentMaxRetries())
                .build();
        this.breaker = CircuitBreaker.builder()
                // a 429 says the gateway is up and pacing us: the pacer pauses for it, the breaker does not open
                .handleIf((result, e) ->
                        e instanceof PaymentUnavailableException && !(e instanceof PaymentRateLimitedException))
                .withFailureThreshold(s.breakerFailureThreshold())
                .withDelay(s.breakerOpenDelay())
                .onOpen(e -> instrumentation.circuitBreaker(CircuitState.OPEN))
                .onHalfOpen(e -> instrumentation.circuitBreaker(CircuitState.HALF_OPEN))
                .onClose(e -> instrumentation.circuitBreaker(CircuitState.CLOSED))
                .build();
        this.payment = Failsafe.with(paymentRetry, breaker);
    }

    /** The kit's instrumentation (the no-op unless the builder set one). */
    public Instrumentation instrumentation() {
        return instrumentation;
    }

    /** The payment circuit breaker's current state. */
    public CircuitState circuitState() {
        if (breaker.isOpen()) {
            return CircuitState.OPEN;
        }
        return breaker.isHalfOpen() ? CircuitState.HALF_OPEN : CircuitState.CLOSED;
    }

    /** Exponential backoff from base to max; a fixed delay when both are equal. */
    private static RetryPolicyBuilder<Object> delays(RetryPolicyBuilder<Object> b, Duration base, Duration max) {
        return max.compareTo(base) > 0 ? b.withBackoff(base, max) : b.withDelay(base);
    }

    /** Set while a unit of work runs inside a backend transaction: its SPI calls are not retried one by one. */
    private static final ThreadLocal<Boolean> IN_UNIT = new ThreadLocal<>();

    /** Whether a unit of work runs on this thread (its SPI calls join the backend's transaction). */
    static boolean inUnit() {
        return IN_UNIT.get() != null;
    }

    /** Runs a backend step, retrying transient failures and optimistic conflicts. */
    public <T> T backend(CheckedSupplier<T> step) {
        if (IN_UNIT.get() != null) {
            try {
                return step.get(); // inside a transaction: the whole unit is retried instead
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new BackendUnavailableException("step failed: " + t, t);
            }
        }
        return run(backend, step, true);
    }

    /**
     * Runs attempts that may lose a race (a storage answered {@code Conflict}, or found stock gone
     * that the read said was there; the attempt then throws a {@link ConcurrencyConflictException}):
     * like {@link #backend}, the conflict policy re-runs it and the backend policy re-runs transient
     * failures. The failure that ends the call (one no policy re-runs, or the last when the budget
     * is spent), with the earlier attempts' failures as suppressed exceptions, goes through
     * {@code whenSpent} (e.g. a race lost on every attempt becomes the business outcome) and is
     * thrown. Inside a unit the attempt runs once and its
     * failure is thrown as is: the unit is retried as a whole. The attempt calls the storage
     * directly (not through {@link #backend}), so budgets never multiply.
     *
     * @param attempt one attempt
     * @param whenSpent maps the failure that ends the call
     * @param <T> result type
     * @return the result of the first attempt that did not fail
     */
    public <T> T racing(CheckedSupplier<T> attempt, UnaryOperator<RuntimeException> whenSpent) {
        if (IN_UNIT.get() != null) {
            return backend(attempt);
        }
        try {
            return run(backend, attempt, true);
        } catch (RuntimeException e) {
            throw whenSpent.apply(e); // the earlier attempts' failures are attached already
        }
    }

    /**
     * Runs a backend step retrying transient failures only: a {@link ConcurrencyConflictException}
     * is the answer (e.g. a compare-and-set on a version the caller read) and reaches the caller.
     */
    public <T> T transientOnly(CheckedSupplier<T> step) {
        return run(transientOnly, step, false);
    }

    /**
     * Runs {@code work} as one unit in a backend transaction (an "atomic phase"), retrying the whole
     * unit on transient failures and conflicts. Without an atomic {@link StepTransactions} this is
     * just {@code work.get()} (each SPI call then retries on its own); nested units join the outer one.
     */
    public <T> T unit(StepTransactions tx, Supplier<T> work) {
        if (!tx.isAtomic() || IN_UNIT.get() != null) {
            return work.get();
        }
        return run(
                backend,
                () -> {
                    IN_UNIT.set(Boolean.TRUE);
                    try {
                        return tx.inTransaction(work);
                    } finally {
                        IN_UNIT.remove();
                    }
                },
                true);
    }

    /**
     * Runs a payment call (always with the same idempotency key) with retries and the breaker.
     * While the breaker is closed the first attempt runs directly and its outcome is recorded with
     * the breaker as the executor would (a success, or a failure the breaker does not handle, as a
     * success); a {@link PaymentUnavailableException} continues under the executor, which records
     * it there once.
     */
    public <T> T payment(CheckedSupplier<T> call) {
        return paymentCall(call);
    }

    /**
     * {@link #payment(CheckedSupplier)}, timed as {@code operation}: the instrumentation sees one
     * operation per call (its retries inside), ended with the result's outcome or the exception.
     */
    public <T> T payment(Operation operation, CheckedSupplier<T> call) {
        Timing timing = instrumentation.start(operation);
        T result;
        try {
            result = paymentCall(call);
        } catch (RuntimeException | Error e) {
            timing.failure(e);
            throw e;
        }
        timing.success(outcome(result));
        return result;
    }

    private static String outcome(@Nullable Object result) {
        Object r = result instanceof Optional<?> o ? o.orElse(null) : result;
        if (r == null) {
            return Outcomes.NOT_FOUND;
        }
        if (r instanceof PaymentResult.Declined) {
            return Outcomes.DECLINED;
        }
        return r instanceof PaymentResult.ActionRequired ? Outcomes.ACTION_REQUIRED : Outcomes.APPROVED;
    }

    private <T> T paymentCall(CheckedSupplier<T> call) {
        if (!breaker.isClosed()) {
            return run(payment, call); // open or half-open: the executor rations the calls
        }
        Throwable first;
        try {
            T result = call.get();
            breaker.recordSuccess();
            return result;
        } catch (PaymentUnavailableException e) {
            first = e;
        } catch (RuntimeException | Error e) {
            breaker.recordSuccess(); // not a failure the breaker counts
            throw e;
        } catch (Throwable t) {
            breaker.recordSuccess();
            throw new BackendUnavailableException("step failed: " + t, t);
        }
        return runAfter(payment, call, first);
    }

    /**
     * Runs {@code step} under {@code executor}. Fast path: the first attempt runs directly, so a call
     * that succeeds on it (the common case) never builds a Failsafe execution. Only when that attempt
     * fails with an exception one of the executor's policies handles does the call continue under
     * the executor, whose first attempt replays that failure instead of running the step again: the
     * policies see exactly the attempts they would have seen (same budgets, same delays), and every
     * failed attempt ends up attached to the surfacing exception.
     */
    private <T> T run(FailsafeExecutor<Object> executor, CheckedSupplier<T> step, boolean handlesConflicts) {
        Throwable first;
        try {
            return step.get();
        } catch (BackendUnavailableException e) {
            first = e;
        } catch (ConcurrencyConflictException e) {
            if (!handlesConflicts) {
                throw e;
            }
            first = e;
        } catch (RuntimeException | Error e) {
            throw e; // no policy handles it: the call's only attempt
        } catch (Throwable t) {
            throw new BackendUnavailableException("step failed: " + t, t);
        }
        return runAfter(executor, step, first);
    }

    /** Continues a call whose first attempt failed with {@code first} (already counted as an attempt). */
    private <T> T runAfter(FailsafeExecutor<Object> executor, CheckedSupplier<T> step, Throwable first) {
        FailedAttempts failed = new FailedAttempts(instrumentation);
        boolean[] replayed = {false};
        return run(executor, failed, () -> {
            if (!replayed[0]) {
                replayed[0] = true;
                throw first;
            }
            return step.get();
        });
    }

    private <T> T run(FailsafeExecutor<Object> executor, CheckedSupplier<T> step) {
        return run(executor, new FailedAttempts(instrumentation), step);
    }

    @SuppressWarnings("unchecked")
    private <T> T run(FailsafeExecutor<Object> executor, FailedAttempts failed, CheckedSupplier<T> step) {
        Throwable surfacing;
        try {
            return (T) executor.get(() -> failed.run(step));
        } catch (CircuitBreakerOpenException e) {
            Duration remaining = breaker.getRemainingDelay();
            surfacing = new PaymentUnavailableException("payment circuit breaker is open", remaining, e);
        } catch (FailsafeException e) {
            Throwable cause = e.getCause();
            surfacing = cause instanceof RuntimeException || cause instanceof Error
                    ? cause
                    : new BackendUnavailableException("step failed: " + cause, cause);
        } catch (RuntimeException | Error e) {
            surfacing = e;
        }
        failed.attachTo(surfacing);
        if (surfacing instanceof Error err) {
            throw err;
        }
        throw (RuntimeException) surfacing;
    }

    /** The failures of one call's attempts, in order; attached to the exception that surfaces. */
    private static final class FailedAttempts {
        private final Instrumentation instrumentation;
        private @Nullable List<Throwable> failures;

        FailedAttempts(Instrumentation instrumentation) {
            this.instrumentation = instrumentation;
        }

        <T> T run(CheckedSupplier<T> step) throws Throwable {
            if (failures != null) {
                instrumentation.retried(cause(failures.get(failures.size() - 1))); // a policy runs it again
            }
            try {
                return step.get();
            } catch (Throwable t) {
                if (failures == null) {
                    failures = new ArrayList<>(4);
                }
                failures.add(t);
                throw t;
            }
        }

        private static RetryCause cause(Throwable failure) {
            if (failure instanceof ConcurrencyConflictException) {
                return RetryCause.CONFLICT;
            }
            return failure instanceof PaymentUnavailableException
                    ? RetryCause.PAYMENT_UNAVAILABLE
                    : RetryCause.BACKEND_UNAVAILABLE;
        }

        void attachTo(Throwable surfacing) {
            if (failures == null) {
                return;
            }
            for (Throwable t : failures) {
                if (t != surfacing && !isSuppressedBy(t, surfacing)) {
                    surfacing.addSuppressed(t);
                }
            }
        }

        /** True if {@code t} is already among {@code surfacing}'s suppressed exceptions or is its cause. */
        private static boolean isSuppressedBy(Throwable t, Throwable surfacing) {
            if (surfacing.getCause() == t) {
                return true;
            }
            for (Throwable s : surfacing.getSuppressed()) {
                if (s == t) {
                    return true;
                }
            }
            return false;
        }
    }
}
