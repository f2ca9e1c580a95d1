/**
 * Relays orderkit events to Apache Kafka: {@link dev.orderkit.kafka.KafkaEventSink}, an
 * {@link dev.orderkit.core.spi.EventSink} for the outbox publisher. Optional module: only teams that
 * add it pull {@code kafka-clients}.
 */
@NullMarked
package dev.orderkit.kafka;

import org.jspecify.annotations.NullMarked;
