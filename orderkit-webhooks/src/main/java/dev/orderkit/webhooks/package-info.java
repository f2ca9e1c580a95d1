/**
 * Signed outbound webhooks for orderkit events: {@link dev.orderkit.webhooks.WebhookDispatcher}
 * (an {@link dev.orderkit.core.spi.EventSink}: subscriptions per scope and event type, HMAC-SHA256
 * signed deliveries, retries with exponential backoff and jitter, dead letters, replay) and
 * {@link dev.orderkit.webhooks.WebhookVerifier} for receivers. Optional module (no dependency beyond
 * orderkit-core's: HTTP through {@code java.net.http}).
 */
@NullMarked
package dev.orderkit.webhooks;

import org.jspecify.annotations.NullMarked;
