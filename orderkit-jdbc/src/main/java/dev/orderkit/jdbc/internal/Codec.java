package dev.orderkit.jdbc.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.orderkit.core.OrderKitException;

/** JSON encoding of orders and events stored in text columns. Thread-safe. */
public final class Codec {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true)
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE, false)
            .build();

    private Codec() {}

    /**
     * Serializes a value.
     *
     * @param value record to encode
     * @return JSON text
     * @throws OrderKitException if the value cannot be encoded
     */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new OrderKitException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    /**
     * Deserializes a value.
     *
     * @param json JSON text
     * @param type target type
     * @param <T> target type
     * @return the value
     * @throws OrderKitException if the text cannot be decoded
     */
    public static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new OrderKitException("cannot decode " + type.getSimpleName() + " from stored JSON", e);
        }
    }
}
