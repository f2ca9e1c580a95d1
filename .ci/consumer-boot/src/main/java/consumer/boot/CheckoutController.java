package consumer.boot;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Scope;
import dev.orderkit.spring.boot.Idempotent;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/** The README's Spring Boot quick start controller. */
@RestController
class CheckoutController {
    private final OrderKit kit; // built by the starter from orderkit.* properties

    CheckoutController(OrderKit kit) {
        this.kit = kit;
    }

    @Idempotent // Idempotency-Key required; a retry gets the stored response, never a second order
    @PostMapping("/checkout/{sku}")
    ResponseEntity<String> checkout(@PathVariable("sku") String sku, @RequestHeader("Idempotency-Key") String key) {
        PlaceOrderResult r = kit.orders()
                .place(PlaceOrderRequest.builder(Scope.of("web"), IdempotencyKey.of(key))
                        .line(sku, 1, 1999)
                        .build());
        return ResponseEntity.status(r.outcome() == PlacementOutcome.PLACED ? 201 : 409)
                .body(r.outcome() + " " + r.order().id());
    }
}
