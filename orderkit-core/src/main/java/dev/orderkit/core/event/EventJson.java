package dev.orderkit.core.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.orderkit.core.OrderKitException;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The JSON wire format of an {@link OrderKitEvent}, shared by every relay (Kafka, RabbitMQ) and by
 * signed webhooks, so one consumer parser reads them all. Schema version 1 (UTF-8, one object):
 *
 * <pre>{@code
 * {
 *   "id":         "ord_123:order_confirmed:4",   // stable, deterministic: de-duplicate by it
 *   "type":       "ORDER_CONFIRMED",             // an EventType name
 *   "subjectId":  "ord_123",                     // the aggregate (order or reservation id)
 *   "scope":      "my-shop",                     // or null for stock-only events
 *   "at":         "2026-11-27T03:10:40.123Z",    // ISO-8601 instant
 *   "attributes": {"status": "CONFIRMED"}        // string to string, keys sorted
 * }
 * }</pre>
 *
 * <p>Readers must ignore members they do not know (later versions may add some) and must accept
 * {@code type} names they do not know by skipping the event or failing loudly. Encoding is
 * deterministic: the same event always encodes to the same bytes. Thread-safe (stateless).
 */
public final class EventJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private EventJson() {}

    /**
     * Encodes an event.
     *
     * @param event the event
     * @return its UTF-8 JSON bytes
     * @throws OrderKitException if encoding fails (not expected for valid events)
     */
    public static byte[] toBytes(OrderKitEvent event) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("id", event.id());
        node.put("type", event.type().name());
        node.put("subjectId", event.subjectId());
        if (event.scope() == null) {
            node.putNull("scope");
        } else {
            node.put("scope", event.scope());
        }
        node.put("at", event.at().toString());
        ObjectNode attributes = node.putObject("attributes");
        new TreeMap<>(event.attributes()).forEach(attributes::put);
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new OrderKitException("cannot encode event " + event.id(), e);
        }
    }

    /**
     * Decodes an event encoded by {@link #toBytes}.
     *
     * @param json UTF-8 JSON bytes
     * @return the event
     * @throws OrderKitException if the bytes are not a valid event (malformed JSON, a missing
     *     member, an unknown type, a bad instant)
     */
    public static OrderKitEvent fromBytes(byte[] json) {
        try {
            JsonNode node = MAPPER.readTree(json);
            if (node == null || !node.isObject()) {
                throw new OrderKitException("event JSON is not an object");
            }
            Map<String, String> attributes = new TreeMap<>();
            JsonNode attrs = node.path("attributes");
            for (Map.Entry<String, JsonNode> e : attrs.properties()) {
                attributes.put(e.getKey(), e.getValue().asText());
            }
            JsonNode scope = node.path("scope");
            @Nullable String scopeText = scope.isTextual() ? scope.asText() : null;
            return new OrderKitEvent(
                    required(node, "id"),
                    EventType.valueOf(required(node, "type")),
                    required(node, "subjectId"),
                    scopeText,
                    attributes,
                    Instant.parse(required(node, "at")));
        } catch (IOException | IllegalArgumentException | DateTimeParseException e) {
            throw new OrderKitException("not a valid orderkit event: " + e.getMessage(), e);
        }
    }

    private static String required(JsonNode node, String name) {
        JsonNode v = node.get(name);
        if (v == null || !v.isTextual()) {
            throw new OrderKitException("event JSON lacks the text member '" + name + "'");
        }
        return v.asText();
    }
}
