package dev.orderkit.examples.shop;

import dev.orderkit.core.IdempotencyKeyReuseException;
import dev.orderkit.core.IllegalStateTransitionException;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.NotFoundException;
import dev.orderkit.core.OrderKitException;
import dev.orderkit.core.RefundExceedsCaptureException;
import dev.orderkit.core.RequestInProgressException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonPointer;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * Every error as an RFC 9457 problem ({@code application/problem+json}). A rejected field is named
 * in {@code errors[].field} as a path like {@code lines[0].quantity} (the same path orderkit's
 * {@link InvalidRequestException#field()} uses), whether Bean Validation, the JSON parser or the
 * kit rejected it. Thread-safe.
 */
@RestControllerAdvice
public class ProblemHandler extends ResponseEntityExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ProblemHandler.class);

    /** Creates the handler. */
    public ProblemHandler() {}

    /**
     * A rejected field.
     *
     * @param field the path, e.g. {@code lines[0].quantity}
     * @param message what is wrong with it
     */
    public record FieldProblem(String field, String message) {}

    @Override
    protected @Nullable ResponseEntity<Object> handleMethodArgumentNotValid(
            MethodArgumentNotValidException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<FieldProblem> errors = new ArrayList<>();
        for (FieldError e : ex.getBindingResult().getFieldErrors()) {
            errors.add(new FieldProblem(e.getField(), String.valueOf(e.getDefaultMessage())));
        }
        return invalid(errors, headers);
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleHttpMessageNotReadable(
            HttpMessageNotReadableException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        Throwable cause = ex.getMostSpecificCause();
        if (cause instanceof JacksonException json) {
            String message = json instanceof MismatchedInputException m && m.getTargetType() != null
                    ? "must be " + typeName(m.getTargetType())
                    : "is not valid JSON: " + firstLine(json.getOriginalMessage());
            return invalid(List.of(new FieldProblem(path(json), message)), headers);
        }
        return invalid(List.of(new FieldProblem("", "the request body is missing or unreadable")), headers);
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleTypeMismatch(
            TypeMismatchException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String field = ex.getPropertyName() != null ? ex.getPropertyName() : "";
        String type = ex.getRequiredType() != null ? ex.getRequiredType().getSimpleName() : "another type";
        return invalid(
                List.of(new FieldProblem(field, "must be of type " + type + " (was " + ex.getValue() + ")")), headers);
    }

    /**
     * A field orderkit rejected.
     *
     * @param e the exception
     * @return 400
     */
    @ExceptionHandler(InvalidRequestException.class)
    public ResponseEntity<Object> invalid(InvalidRequestException e) {
        return invalid(List.of(new FieldProblem(e.field(), String.valueOf(e.getMessage()))), new HttpHeaders());
    }

    /**
     * Absent, or another store's.
     *
     * @param e the exception
     * @return 404
     */
    @ExceptionHandler(NotFoundException.class)
    public ProblemDetail notFound(NotFoundException e) {
        return Problems.of(HttpStatus.NOT_FOUND, "not-found", "Not found", e.getMessage());
    }

    /**
     * An idempotency key reused with another request (the kit's check, behind the HTTP layer's).
     *
     * @param e the exception
     * @return 422
     */
    @ExceptionHandler(IdempotencyKeyReuseException.class)
    public ProblemDetail reused(IdempotencyKeyReuseException e) {
        return Problems.of(
                HttpStatus.UNPROCESSABLE_CONTENT, "idempotency-key-reused", "Idempotency-Key reused", e.getMessage());
    }

    /**
     * The key's first request is still running.
     *
     * @param e the exception
     * @return 409 with Retry-After
     */
    @ExceptionHandler(RequestInProgressException.class)
    public ResponseEntity<ProblemDetail> inProgress(RequestInProgressException e) {
        long seconds = Math.max(1, e.retryAfter().toSeconds());
        return ResponseEntity.status(HttpStatus.CONFLICT)
                .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
                .body(Problems.of(HttpStatus.CONFLICT, "request-in-progress", "Request in progress", e.getMessage()));
    }

    /**
     * Asynchronous placement's backlog is full: nothing was written, retry with the same key.
     *
     * @param e the exception
     * @return 503 with Retry-After (whole seconds, rounded up, at least 1) and the backlog
     */
    @ExceptionHandler(PlacementBusyException.class)
    public ResponseEntity<ProblemDetail> busy(PlacementBusyException e) {
        long seconds = Math.max(1, (e.retryAfter().toMillis() + 999) / 1000);
        ProblemDetail p = Problems.of(
                HttpStatus.SERVICE_UNAVAILABLE,
                "busy",
                "Too many orders awaiting payment",
                "Nothing was written; retry after " + seconds + " s with the same Idempotency-Key.");
        p.setProperty("backlog", e.backlog());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds))
                .body(p);
    }

    /**
     * Not allowed in the order's status (fulfil a cancelled order, refund an unshipped one).
     *
     * @param e the exception
     * @return 409
     */
    @ExceptionHandler(IllegalStateTransitionException.class)
    public ProblemDetail state(IllegalStateTransitionException e) {
        return Problems.of(HttpStatus.CONFLICT, "invalid-state", "Not allowed in the order's status", e.getMessage());
    }

    /**
     * More than may still be refunded.
     *
     * @param e the exception
     * @return 422
     */
    @ExceptionHandler(RefundExceedsCaptureException.class)
    public ProblemDetail refundTooLarge(RefundExceedsCaptureException e) {
        return Problems.of(
                HttpStatus.UNPROCESSABLE_CONTENT, "refund-exceeds-capture", "Refund exceeds capture", e.getMessage());
    }

    /**
     * A stock count below what is reserved.
     *
     * @param e the exception
     * @return 409
     */
    @ExceptionHandler(InsufficientStockException.class)
    public ProblemDetail insufficient(InsufficientStockException e) {
        return Problems.of(HttpStatus.CONFLICT, "insufficient-stock", "Insufficient stock", e.getMessage());
    }

    /**
     * Backend or gateway trouble: 503 when a retry (with the same key) may succeed.
     *
     * @param e the exception
     * @return 503 or 500
     */
    @ExceptionHandler(OrderKitException.class)
    public ProblemDetail failed(OrderKitException e) {
        LOG.warn("request failed: {}", e.toString());
        return e.isRetryable()
                ? Problems.of(
                        HttpStatus.SERVICE_UNAVAILABLE,
                        "unavailable",
                        "Temporarily unavailable",
                        "Retry with the same Idempotency-Key.")
                : Problems.of(HttpStatus.INTERNAL_SERVER_ERROR, "internal", "Internal error", null);
    }

    private static ResponseEntity<Object> invalid(List<FieldProblem> errors, HttpHeaders headers) {
        StringBuilder detail = new StringBuilder("Invalid request: ");
        for (int i = 0; i < errors.size(); i++) {
            FieldProblem e = errors.get(i);
            detail.append(i == 0 ? "" : "; ")
                    .append(e.field().isEmpty() ? "body" : e.field())
                    .append(' ')
                    .append(e.message());
        }
        ProblemDetail p = Problems.of(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request", detail.toString());
        List<Map<String, String>> list = new ArrayList<>();
        for (FieldProblem e : errors) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("field", e.field());
            m.put("message", e.message());
            list.add(m);
        }
        p.setProperty("errors", list);
        return ResponseEntity.status(HttpStatus.BAD_REQUEST).headers(headers).body(p);
    }

    /**
     * The field a JSON error is at: the path Jackson recorded while binding (a wrong type), else the
     * parser's position (a syntax error), as {@code lines[0].quantity}.
     */
    private static String path(JacksonException e) {
        if (e instanceof StreamReadException && e.processor() instanceof JsonParser parser) {
            // a syntax error: where the parser stood (the path recorded by binding ends one level up)
            TokenStreamContext context = parser.streamReadContext();
            String at = dotted(context.pathAsPointer());
            String name = context.inObject() ? context.currentName() : null;
            if (name != null && !at.equals(name) && !at.endsWith("." + name)) {
                at = at.isEmpty() ? name : at + "." + name;
            }
            return at;
        }
        if (!e.getPath().isEmpty()) {
            StringBuilder out = new StringBuilder();
            for (JacksonException.Reference r : e.getPath()) {
                if (r.getPropertyName() != null) {
                    out.append(out.length() == 0 ? "" : ".").append(r.getPropertyName());
                } else if (r.getIndex() >= 0) {
                    out.append('[').append(r.getIndex()).append(']');
                }
            }
            return out.toString();
        }
        return "";
    }

    private static String dotted(JsonPointer pointer) {
        StringBuilder out = new StringBuilder();
        for (JsonPointer p = pointer; p != null && !p.matches(); p = p.tail()) {
            if (p.mayMatchElement()) {
                out.append('[').append(p.getMatchingIndex()).append(']');
            } else {
                out.append(out.length() == 0 ? "" : ".").append(p.getMatchingProperty());
            }
        }
        return out.toString();
    }

    private static String typeName(Class<?> type) {
        if (type == Long.class || type == Integer.class || type == long.class || type == int.class) {
            return "an integer";
        }
        if (type == String.class) {
            return "a string";
        }
        if (Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object (" + type.getSimpleName() + ")";
    }

    private static String firstLine(@Nullable String message) {
        if (message == null) {
            return "is malformed";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
