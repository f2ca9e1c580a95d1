package dev.orderkit.examples.shop;

import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.NotFoundException;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import jakarta.validation.Valid;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /v1/inventory/{sku}}: the stock level of a SKU at the default location, with its version
 * as a strong ETag. A stock count ({@code PUT}) must carry {@code If-Match} with the version it was
 * based on, so a count made while orders kept selling cannot overwrite their reservations:
 * {@code 412} when the level changed since, {@code 428} without {@code If-Match};
 * {@code If-None-Match: *} creates a new SKU. Stock is the warehouse's, shared by every store.
 * Thread-safe.
 */
@RestController
@RequestMapping("/v1/inventory")
public class InventoryController {
    private final OrderKit kit;

    /**
     * Creates the controller.
     *
     * @param kit the starter's kit
     */
    public InventoryController(OrderKit kit) {
        this.kit = kit;
    }

    /**
     * The level (a matching {@code If-None-Match} is answered {@code 304}).
     *
     * @param sku the SKU
     * @return the level
     */
    @GetMapping("/{sku}")
    public ResponseEntity<Api.InventoryView> get(@PathVariable String sku) {
        StockLevel level =
                kit.stock().level(StockKey.of(sku)).orElseThrow(() -> new NotFoundException("inventory", sku));
        return ResponseEntity.ok().eTag(etag(level)).body(Api.InventoryView.of(level));
    }

    /**
     * Sets on-hand (a stock count) if the level is still at the version in {@code If-Match}. A
     * repeat of the same PUT (same version, same count) after a lost response is answered with the
     * level it produced, not a 412: the movement's reference is made of both.
     *
     * @param sku the SKU
     * @param ifMatch the ETag read, e.g. {@code "7"}
     * @param ifNoneMatch {@code *} to create the SKU
     * @param body the new on-hand
     * @return the new level; 412, 428 or 409 (below what is reserved) as problems
     */
    @PutMapping("/{sku}")
    public ResponseEntity<?> put(
            @PathVariable String sku,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) @Nullable String ifMatch,
            @RequestHeader(name = HttpHeaders.IF_NONE_MATCH, required = false) @Nullable String ifNoneMatch,
            @Valid @RequestBody Api.SetInventory body) {
        long expected;
        if (ifMatch != null) {
            Long version = version(ifMatch);
            if (version == null) {
                return precondition("If-Match " + ifMatch + " is not an ETag of this resource");
            }
            expected = version;
        } else if ("*".equals(ifNoneMatch)) {
            expected = -1;
        } else {
            ProblemDetail p = Problems.of(
                    HttpStatus.PRECONDITION_REQUIRED,
                    "precondition-required",
                    "If-Match required",
                    "Send If-Match with the ETag of the level you counted from (or If-None-Match: * to create it).");
            return ResponseEntity.status(p.getStatus()).body(p);
        }
        long onHand = Objects.requireNonNull(body.onHand());
        try {
            StockLevel level =
                    kit.stock().setOnHand(StockKey.of(sku), onHand, expected, "count:v" + expected + ":" + onHand);
            return ResponseEntity.ok().eTag(etag(level)).body(Api.InventoryView.of(level));
        } catch (ConcurrencyConflictException e) {
            return precondition("The level of " + sku + " is no longer at version " + expected
                    + "; read it again (GET) and repeat the count against its ETag.");
        }
    }

    private static ResponseEntity<ProblemDetail> precondition(String detail) {
        ProblemDetail p = Problems.of(HttpStatus.PRECONDITION_FAILED, "precondition-failed", "Level changed", detail);
        return ResponseEntity.status(p.getStatus()).body(p);
    }

    private static String etag(StockLevel level) {
        return "\"" + level.version() + "\"";
    }

    /** The version in a strong ETag {@code "7"}; null if it is none of ours. */
    private static @Nullable Long version(String etag) {
        String v = etag.strip();
        if (v.length() < 3 || !v.startsWith("\"") || !v.endsWith("\"")) {
            return null;
        }
        try {
            return Long.parseLong(v.substring(1, v.length() - 1));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
