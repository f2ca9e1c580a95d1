package dev.orderkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every code block of the top-level README is compiled here: each {@code // README:name} ...
 * {@code // END} region of the example sources (and of the Spring Boot starter's test sources) must
 * appear verbatim (dedented) in README.md, and
 * every Java block of README.md must be one of those regions.
 */
class ReadmeSyncTest {

    static Map<String, String> snippets() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        // the Spring Boot quick start lives in the starter's tests (it needs Spring on its class path)
        List<Path> sources = new ArrayList<>();
        for (String root : List.of("src/main/java", "../orderkit-spring-boot-starter/src/test/java")) {
            try (Stream<Path> files = Files.walk(Path.of(root))) {
                sources.addAll(files.filter(p -> p.toString().endsWith(".java"))
                        .sorted()
                        .toList());
            }
        }
        for (Path f : sources) {
            List<String> lines = Files.readAllLines(f);
            for (int i = 0; i < lines.size(); i++) {
                String t = lines.get(i).trim();
                if (t.startsWith("// README:")) {
                    String name = t.substring("// README:".length());
                    List<String> body = new ArrayList<>();
                    int j = i + 1;
                    while (!lines.get(j).trim().equals("// END")) {
                        body.add(lines.get(j++));
                    }
                    out.put(name, dedent(body));
                }
            }
        }
        return out;
    }

    static String dedent(List<String> body) {
        int indent = body.stream()
                .filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length())
                .min()
                .orElse(0);
        StringBuilder sb = new StringBuilder();
        for (String l : body) {
            sb.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        }
        return sb.toString();
    }

    static List<String> readmeJavaBlocks(String readme) {
        List<String> blocks = new ArrayList<>();
        String[] parts = readme.split("```java\n");
        for (int i = 1; i < parts.length; i++) {
            blocks.add(parts[i].substring(0, parts[i].indexOf("```")));
        }
        return blocks;
    }

    @Test
    void everyReadmeJavaBlockIsACompiledSnippetAndViceVersa() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        Map<String, String> snippets = snippets();
        assertThat(snippets).isNotEmpty();
        List<String> blocks = readmeJavaBlocks(readme);
        assertThat(blocks).as("README java blocks").containsExactlyInAnyOrderElementsOf(snippets.values());
    }
}
