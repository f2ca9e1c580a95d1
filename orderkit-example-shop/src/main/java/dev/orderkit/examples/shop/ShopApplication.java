package dev.orderkit.examples.shop;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The shop service: {@code ./mvnw -pl orderkit-example-shop -am -DskipTests compile exec:java}
 * (H2 under {@code target/}); {@code -Dspring-boot.run.profiles} is not needed, pass Spring
 * arguments in {@code -Dexec.args}, e.g. {@code --spring.profiles.active=postgres}.
 */
@SpringBootApplication
public class ShopApplication {

    /** Created by Spring. */
    public ShopApplication() {}

    /**
     * Starts the service.
     *
     * @param args Spring Boot arguments ({@code --server.port=8080}, {@code --spring.profiles.active=postgres})
     */
    public static void main(String[] args) {
        SpringApplication.run(ShopApplication.class, args);
    }
}
