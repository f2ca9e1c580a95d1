package dev.orderkit.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the real server a backend test runs against, in this order:
 * <ol>
 *   <li>an environment variable (e.g. {@code ORDERKIT_TEST_POSTGRES_URL});</li>
 *   <li>the conventional localhost port, if something answers there;</li>
 *   <li>a container (Testcontainers), if the caller supplies a starter and Docker is available;</li>
 *   <li>otherwise the test is skipped with a message naming what is missing, unless
 *       {@code ORDERKIT_IT_REQUIRED} (comma-separated, or {@code all}) names the service, in which
 *       case it fails.</li>
 * </ol>
 */
public final class TestServices {
    private TestServices() {}

    /**
     * Resolves a service endpoint.
     *
     * @param service service name as used in {@code ORDERKIT_IT_REQUIRED} (e.g. {@code postgres})
     * @param envVar environment variable holding the endpoint
     * @param localhostPort conventional port probed on 127.0.0.1 (0 to skip the probe)
     * @param localhostEndpoint endpoint to use if the port answers (may be {@code null} when the port is 0)
     * @param container starts a container and returns its endpoint, or returns empty if Docker is
     *                  unavailable; may be {@code null}
     * @return the endpoint; never returns when the service is missing (skip or fail)
     */
    public static String resolve(
            String service,
            String envVar,
            int localhostPort,
            @Nullable String localhostEndpoint,
            @Nullable Supplier<Optional<String>> container) {
        String fromEnv = System.getenv(envVar);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        if (localhostPort > 0 && localhostEndpoint != null && portOpen("127.0.0.1", localhostPort)) {
            return localhostEndpoint;
        }
        if (container != null) {
            try {
                Optional<String> started = container.get();
                if (started.isPresent()) {
                    return started.get();
                }
            } catch (RuntimeException | LinkageError e) {
                // Docker missing or Testcontainers not on the classpath: fall through
            }
        }
        String message = service + " is not available: set " + envVar + ", start it on 127.0.0.1:" + localhostPort
                + " or provide Docker for Testcontainers";
        if (required(service)) {
            throw new AssertionError(message + " (ORDERKIT_IT_REQUIRED names it)");
        }
        return Assumptions.abort(message);
    }

    /**
     * Whether {@code ORDERKIT_IT_REQUIRED} names the service (or is {@code all}).
     *
     * @param service service name
     * @return true if a missing service must fail the build
     */
    public static boolean required(String service) {
        String v = System.getenv("ORDERKIT_IT_REQUIRED");
        if (v == null) {
            return false;
        }
        Set<String> names = Arrays.stream(v.split(","))
                .map(s -> s.trim().toLowerCase(Locale.ROOT))
                .collect(Collectors.toSet());
        return names.contains("all") || names.contains(service.toLowerCase(Locale.ROOT));
    }

    /**
     * Whether a TCP port answers.
     *
     * @param host host
     * @param port port
     * @return true if a connection could be opened within 500 ms
     */
    public static boolean portOpen(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * A unique, lower-case name for a schema / database / key prefix of one test run.
     *
     * @param prefix short prefix, e.g. {@code ok}
     * @return e.g. {@code ok_3f9a1c2b}
     */
    public static String uniqueName(String prefix) {
        return prefix + "_"
                + Long.toHexString(Double.doubleToLongBits(Math.random())).substring(0, 8)
                + Long.toHexString(System.nanoTime() & 0xffff);
    }
}
