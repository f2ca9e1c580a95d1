package dev.orderkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;

/**
 * Proves the {@link LayeringTest} rules can fail: each one is evaluated over planted violations
 * (test fixtures in the packages the rules guard) and must report the one meant for it.
 */
class LayeringRulesCatchViolationsTest {
    private static final JavaClasses PLANTED = new ClassFileImporter()
            .importPackages(
                    "dev.orderkit.core.spi", "dev.orderkit.jdbc", "dev.orderkit.examples.planted", "dev.orderkit.redis")
            .that(DescribedPredicate.describe("planted", c -> c.getSimpleName().startsWith("Planted")));

    private static void assertCaught(ArchRule rule, String... culprits) {
        EvaluationResult result = rule.evaluate(PLANTED);
        assertThat(result.hasViolation()).as(rule.getDescription()).isTrue();
        for (String culprit : culprits) {
            assertThat(result.getFailureReport().getDetails())
                    .as("%s reports %s", rule.getDescription(), culprit)
                    .anyMatch(d -> d.contains(culprit));
        }
        assertThatThrownBy(() -> rule.check(PLANTED)).isInstanceOf(AssertionError.class);
    }

    @Test
    void apiPackageUsingCoreInternalsIsCaught() {
        assertCaught(LayeringTest.apiPackagesNeverUseCoreInternals, "PlantedSpiUsingCoreInternals");
    }

    @Test
    void backendUsingCoreInternalsIsCaught() {
        assertCaught(LayeringTest.backendsNeverUseCoreInternals, "PlantedBackendUsingCoreInternals");
    }

    @Test
    void exampleUsingAnyModulesInternalsIsCaught() {
        assertCaught(LayeringTest.examplesUseOnlyPublishedApi, "PlantedExampleUsingInternals");
    }

    @Test
    void internalTypesInPublishedSignaturesAreCaught() {
        assertCaught(LayeringTest.noInternalTypeInAPublishedMethodOrConstructor, "keys()", "<init>");
        assertCaught(LayeringTest.noInternalTypeInAPublishedField, "PlantedLeakingSignatures.keys");
        assertCaught(LayeringTest.noPublishedTypeExtendsAnInternalOne, "PlantedLeakingSignatures> is assignable");
    }
}
