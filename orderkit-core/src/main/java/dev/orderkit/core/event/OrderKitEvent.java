package dev.orderkit.core.event;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A state change. Event ids are deterministic ({@code subjectId:type:version}) so a step that is
 * retried emits an event with the same id: listeners de-duplicate by id.
 *
 * @param id unique, deterministic event id
 * @param type what happened
 * @param subjectId the order or reservation id
 * @param scope the order's scope, or {@code null} for stock-only events
 * @param attributes small string attributes (status, reason, payment id ...)
 * @param at when it happened
 */
public record OrderKitEvent(
        String id,
        EventType type,
        String subjectId,
        @Nullable String scope,
        Map<String, String> attributes,
        Instant at) {
    /** Each type's name in lower case, computed once (event ids carry it). */
    private static final String[] LOWER_NAMES = lowerNames();

    private static String[] lowerNames() {
        EventType[] types = EventType.values();
        String[] out = new String[types.length];
        for (EventType t : types) {
            out[t.ordinal()] = t.name().toLowerCase(Locale.ROOT);
        }
        return out;
    }

    /** Validates presence and copies attributes. */
    public OrderKitEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(subjectId, "subjectId");
        Objects.requireNonNull(at, "at");
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    /**
     * Creates an event with a deterministic id.
     *
     * @param type what happened
     * @param subjectId order or reservation id
     * @param version the subject's version after the change (makes the id unique per change)
     * @param scope scope or {@code null}
     * @param attributes attributes
     * @param at time
     * @return the event
     */
    public static OrderKitEvent of(
            EventType type,
            String subjectId,
            long version,
            @Nullable String scope,
            Map<String, String> attributes,
            Instant at) {
        return new OrderKitEvent(
                subjectId + ":" + LOWER_NAMES[type.ordinal()] + ":" + version, type, subjectId, scope, attributes, at);
    }
}
