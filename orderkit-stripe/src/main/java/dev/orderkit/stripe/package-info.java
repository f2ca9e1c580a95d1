/**
 * Stripe integration for orderkit: {@link dev.orderkit.stripe.StripePaymentPort} (a
 * {@link dev.orderkit.core.payment.PaymentPort} on PaymentIntents via stripe-java) and
 * {@link dev.orderkit.stripe.StripeWebhookHandler} (verified, de-duplicated webhooks through the
 * {@link dev.orderkit.core.spi.InboxStore} of orderkit-core, shared by every instance).
 */
@NullMarked
package dev.orderkit.stripe;

import org.jspecify.annotations.NullMarked;
