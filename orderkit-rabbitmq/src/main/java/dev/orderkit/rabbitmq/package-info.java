/**
 * Relays orderkit events to RabbitMQ: {@link dev.orderkit.rabbitmq.RabbitMqEventSink}, an
 * {@link dev.orderkit.core.spi.EventSink} for the outbox publisher. Optional module: only teams that
 * add it pull {@code amqp-client}.
 */
@NullMarked
package dev.orderkit.rabbitmq;

import org.jspecify.annotations.NullMarked;
