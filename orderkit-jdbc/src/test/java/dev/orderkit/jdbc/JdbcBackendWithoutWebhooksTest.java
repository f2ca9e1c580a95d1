package dev.orderkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * orderkit-webhooks is an optional dependency: the JDBC backend loads, migrates, serves its
 * storages and can be reflected over (as a dependency-injection container introspects a bean) on a
 * class path without it; only {@link JdbcWebhooks} needs it.
 */
class JdbcBackendWithoutWebhooksTest {

    /** The test class path, minus every class of orderkit-webhooks. */
    private static final class WithoutWebhooks extends URLClassLoader {
        WithoutWebhooks(URL[] urls) {
            super(urls, ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (name.startsWith("dev.orderkit.webhooks.")) {
                throw new ClassNotFoundException(name + " (hidden: orderkit-webhooks is not on this class path)");
            }
            return super.findClass(name);
        }
    }

    private static Object call(Object target, String method, Object... args) throws Exception {
        for (Method m : target.getClass().getMethods()) {
            if (m.getName().equals(method) && m.getParameterCount() == args.length) {
                try {
                    return m.invoke(target, args);
                } catch (IllegalArgumentException e) {
                    // another overload
                }
            }
        }
        throw new NoSuchMethodException(method);
    }

    @Test
    void theBackendWorksWithoutOrderkitWebhooksOnTheClassPath() throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            urls.add(new File(entry).toURI().toURL());
        }
        try (WithoutWebhooks loader = new WithoutWebhooks(urls.toArray(URL[]::new))) {
            assertThatThrownBy(() -> Class.forName("dev.orderkit.webhooks.WebhookStore", false, loader))
                    .isInstanceOf(ClassNotFoundException.class);
            Class<?> h2 = Class.forName("org.h2.jdbcx.JdbcDataSource", true, loader);
            Object ds = h2.getConstructor().newInstance();
            call(ds, "setURL", "jdbc:h2:mem:nowebhooks;DB_CLOSE_DELAY=-1");
            Class<?> backendClass = Class.forName("dev.orderkit.jdbc.JdbcBackend", true, loader); // linked: verified
            Object builder = backendClass.getMethod("builder").invoke(null);
            builder.getClass().getMethod("dataSource", DataSource.class).invoke(builder, ds);
            builder.getClass().getMethod("migrateOnBuild", boolean.class).invoke(builder, true);
            Object backend = builder.getClass().getMethod("build").invoke(builder);
            assertThat(call(backend, "stockStorage")).isNotNull();
            assertThat(call(backend, "outboxStore")).isNotNull();
            assertThat((List<?>) call(backend, "tableNames")).hasSize(13);
            assertThat(backendClass.getDeclaredMethods()).isNotEmpty(); // every signature resolves
            Class<?> webhooks = Class.forName("dev.orderkit.jdbc.JdbcWebhooks", false, loader);
            assertThatThrownBy(() -> webhooks.getMethod("store", backendClass).invoke(null, backend))
                    .isInstanceOf(NoClassDefFoundError.class);
        }
    }
}
