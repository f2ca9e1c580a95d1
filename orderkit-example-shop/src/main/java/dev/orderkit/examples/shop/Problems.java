package dev.orderkit.examples.shop;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import tools.jackson.databind.json.JsonMapper;

/**
 * RFC 9457 problem details: every error of this API is an {@code application/problem+json}
 * document with a {@code type} under {@value #TYPES}. Thread-safe.
 */
public final class Problems {
    /** The base of this API's problem types. */
    public static final String TYPES = "https://shop.example/problems/";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Problems() {}

    /**
     * A problem of this API.
     *
     * @param status the status
     * @param type the type's last path segment, e.g. {@code out-of-stock}
     * @param title a short summary
     * @param detail what happened this time
     * @return the problem
     */
    public static ProblemDetail of(HttpStatus status, String type, String title, @Nullable String detail) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setType(URI.create(TYPES + type));
        p.setTitle(title);
        return p;
    }

    /**
     * Writes a problem from outside Spring MVC (a servlet filter).
     *
     * @param request the request (its path becomes {@code instance})
     * @param response the response
     * @param problem the problem
     * @throws IOException if writing fails
     */
    public static void write(HttpServletRequest request, HttpServletResponse response, ProblemDetail problem)
            throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("type", String.valueOf(problem.getType()));
        if (problem.getTitle() != null) {
            doc.put("title", problem.getTitle());
        }
        doc.put("status", problem.getStatus());
        if (problem.getDetail() != null) {
            doc.put("detail", problem.getDetail());
        }
        doc.put("instance", request.getRequestURI());
        if (problem.getProperties() != null) {
            doc.putAll(problem.getProperties());
        }
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.getOutputStream().write(JSON.writeValueAsBytes(doc));
    }
}
