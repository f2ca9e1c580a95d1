package dev.orderkit.examples;

import static com.tngtech.archunit.base.DescribedPredicate.anyElementThat;
import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noCodeUnits;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The layering rules, checked over the main code of every published module (core, testkit, jdbc,
 * redis, stripe, micrometer, kafka, rabbitmq, webhooks) and of the examples, which depend on all of them; test code is not imported.
 * {@link LayeringRulesCatchViolationsTest} shows that each rule fails on a planted violation.
 *
 * <p>Exceptions, each with its reason:
 * <ul>
 *   <li>{@code dev.orderkit.core.OrderKit} may use {@code core.internal}: it is the composition
 *       root that constructs the internal services and hands them out as the {@code OrderService} /
 *       {@code StockLedger} API interfaces (the signature rules check that no internal type leaks
 *       through it). Every other way to wire them (reflection, a service loader) hides the same
 *       dependency from the compiler.</li>
 *   <li>{@code dev.orderkit.core.internal.Check} may be used by the API value types: stateless
 *       argument validation shared with the internal services, in no signature. In the API package
 *       it would have to be public (published) or exist twice.</li>
 * </ul>
 */
@AnalyzeClasses(packages = "dev.orderkit", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {

    /** Packages of core's published API. */
    static final String[] CORE_API = {
        "dev.orderkit.core",
        "dev.orderkit.core.spi",
        "dev.orderkit.core.payment",
        "dev.orderkit.core.event",
        "dev.orderkit.core.memory",
        "dev.orderkit.core.observability"
    };

    /** Modules that build on core's published API only. */
    static final String[] BACKENDS = {
        "dev.orderkit.jdbc..",
        "dev.orderkit.redis..",
        "dev.orderkit.stripe..",
        "dev.orderkit.micrometer..",
        "dev.orderkit.kafka..",
        "dev.orderkit.rabbitmq..",
        "dev.orderkit.webhooks.."
    };

    private static final String CORE_INTERNAL = "dev.orderkit.core.internal..";
    private static final String ANY_INTERNAL = "..internal..";

    /** The composition root (see the class comment). */
    private static final String COMPOSITION_ROOT = "dev.orderkit.core.OrderKit";

    /** Argument validation shared by value types and internal services (see the class comment). */
    private static final String SHARED_VALIDATION = "dev.orderkit.core.internal.Check";

    @ArchTest
    static final ArchRule apiPackagesNeverUseCoreInternals = noClasses()
            .that()
            .resideInAnyPackage(CORE_API)
            .and()
            .doNotHaveFullyQualifiedName(COMPOSITION_ROOT)
            .should()
            .dependOnClassesThat(resideInAPackage(CORE_INTERNAL).and(not(name(SHARED_VALIDATION))))
            .because("core's API and SPI packages are published and core.internal may change at any time");

    @ArchTest
    static final ArchRule backendsNeverUseCoreInternals = noClasses()
            .that()
            .resideInAnyPackage(BACKENDS)
            .or()
            .resideInAPackage("dev.orderkit.testkit..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage(CORE_INTERNAL)
            .because("backends implement the SPI and use the API: a third-party backend can do all they do");

    @ArchTest
    static final ArchRule examplesUseOnlyPublishedApi = noClasses()
            .that()
            .resideInAPackage("dev.orderkit.examples..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage(ANY_INTERNAL)
            .because("the examples are templates to copy: they may only use what is published");

    /** A public or protected member of a public class outside {@code internal}: published API. */
    private static final DescribedPredicate<JavaMember> PUBLISHED = DescribedPredicate.describe(
            "published (public or protected, in a public class outside internal)",
            m -> (m.getModifiers().contains(JavaModifier.PUBLIC)
                            || m.getModifiers().contains(JavaModifier.PROTECTED))
                    && isPublished(m.getOwner()));

    private static boolean isPublished(JavaClass c) {
        if (!c.getModifiers().contains(JavaModifier.PUBLIC)
                || c.getPackageName().contains(".internal")) {
            return false;
        }
        return c.getEnclosingClass().map(LayeringTest::isPublished).orElse(true);
    }

    private static final DescribedPredicate<JavaClass> INTERNAL_TYPE = resideInAPackage(ANY_INTERNAL);

    @ArchTest
    static final ArchRule noInternalTypeInAPublishedMethodOrConstructor = noCodeUnits()
            .that(PUBLISHED)
            .should()
            .haveRawParameterTypes(anyElementThat(INTERNAL_TYPE))
            .orShould()
            .haveRawReturnType(INTERNAL_TYPE)
            .orShould()
            .declareThrowableOfType(INTERNAL_TYPE)
            .because("a type in a published signature is published too");

    @ArchTest
    static final ArchRule noInternalTypeInAPublishedField = noFields()
            .that(PUBLISHED)
            .should()
            .haveRawType(INTERNAL_TYPE)
            .because("a type in a published signature is published too");

    @ArchTest
    static final ArchRule noPublishedTypeExtendsAnInternalOne = noClasses()
            .that(DescribedPredicate.describe("are published", LayeringTest::isPublished))
            .should()
            .beAssignableTo(INTERNAL_TYPE)
            .because("a published type's supertypes are published too");
}
