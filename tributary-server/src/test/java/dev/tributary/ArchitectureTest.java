package dev.tributary;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;

/**
 * The package tree is the architecture: imports between the server's top-level packages point one
 * way (docs/ARCHITECTURE.md, "Dependency rules"). A new cycle fails here with the classes that
 * make it.
 */
class ArchitectureTest {

  /** One slice per top-level package: {@code dev.tributary.gateway..} is one slice, and so on. */
  static ArchRule noCyclesBetweenTopLevelPackages(String root) {
    return slices().matching(root + ".(*)..").should().beFreeOfCycles();
  }

  @Test
  void serverPackagesAreFreeOfCycles() {
    JavaClasses server = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.tributary");
    assertThat(server.size()).as("server classes imported").isGreaterThan(100);
    noCyclesBetweenTopLevelPackages("dev.tributary").check(server);
  }

  @Test
  void theRuleCatchesACycle() {
    // archfixture.a and archfixture.b import each other: the same rule must report it.
    JavaClasses fixture = new ClassFileImporter().importPackages("dev.tributary.archfixture");
    EvaluationResult result = noCyclesBetweenTopLevelPackages("dev.tributary.archfixture").evaluate(fixture);
    assertThat(result.hasViolation()).isTrue();
    assertThat(result.getFailureReport().toString()).contains("archfixture.a", "archfixture.b");
  }
}
