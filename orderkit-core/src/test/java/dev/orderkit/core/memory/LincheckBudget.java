package dev.orderkit.core.memory;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.StressOptions;

/**
 * How hard the Lincheck tests search, sized for a 2-core CI machine (all eight runs take about a
 * minute there), and the runs they share. Besides the random scenarios each test explores the races
 * an earlier version lost. A deeper search: {@code -Dorderkit.lincheck.iterations=200} (random
 * scenarios per run),
 * {@code -Dorderkit.lincheck.stress=…} (runs of each scenario in stress mode),
 * {@code -Dorderkit.lincheck.mc=…} (interleavings of each scenario in model-checking mode).
 */
final class LincheckBudget {
    static final int ITERATIONS = Integer.getInteger("orderkit.lincheck.iterations", 8);
    static final int STRESS_INVOCATIONS = Integer.getInteger("orderkit.lincheck.stress", 1_000);
    static final int MODEL_CHECKING_INVOCATIONS = Integer.getInteger("orderkit.lincheck.mc", 80);

    /**
     * Lock stripes of the stores under test (64 in production): a whole-store scan visits every
     * stripe, each visit a point where the model checker switches threads, so 64 stripes cost it
     * most of its time (the order store's model check took 100 s with them); with 4, orders of a
     * scenario also share stripes, the case a per-stripe index must get right.
     */
    static final int STRIPES = 4;

    private LincheckBudget() {}

    /** Stress mode: real threads, many runs of each scenario (the random ones and {@code known}). */
    static StressOptions stress(List<ExecutionScenario> known) {
        StressOptions options = new StressOptions();
        known.forEach(options::addCustomScenario);
        return options.iterations(ITERATIONS)
                .invocationsPerIteration(STRESS_INVOCATIONS)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(1);
    }

    /**
     * Model checking: controlled interleavings, switching threads at every shared-memory access.
     * Loops over the 64 lock stripes of a whole-store operation are legitimate, hence the bound.
     */
    static ModelCheckingOptions modelChecking(List<ExecutionScenario> known) {
        ModelCheckingOptions options = new ModelCheckingOptions();
        known.forEach(options::addCustomScenario);
        return options.iterations(ITERATIONS)
                .invocationsPerIteration(MODEL_CHECKING_INVOCATIONS)
                .threads(2)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(1)
                .loopBound(200);
    }

    /**
     * A fixed scenario (besides the random ones): a race that broke an earlier version, explored
     * on every run.
     *
     * @param init operations run first, on one thread
     * @param threads the operations of each parallel thread
     */
    @SafeVarargs
    static ExecutionScenario scenario(List<Actor> init, List<Actor>... threads) {
        return new ExecutionScenario(init, List.of(threads), List.of(), null);
    }

    /** One operation of a fixed scenario: the test's {@code @Operation} method and its arguments. */
    static Actor op(Class<?> test, String name, Object... args) {
        Method method = Arrays.stream(test.getMethods())
                .filter(m -> m.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no operation " + name));
        return new Actor(method, List.of(args));
    }

    /** Runs a write; an exception is part of the result (its simple class name). */
    static Object outcome(Supplier<?> write) {
        try {
            Object out = write.get();
            return out == null ? "ok" : out;
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName();
        }
    }

    /** Runs a void write; an exception is part of the result (its simple class name). */
    static Object outcomeOfVoid(Runnable write) {
        return outcome(() -> {
            write.run();
            return null;
        });
    }
}
