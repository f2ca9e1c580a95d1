package dev.orderkit.testkit;

import dev.orderkit.webhooks.InMemoryWebhookStore;
import dev.orderkit.webhooks.WebhookStore;

/** WebhookStoreContract against {@link InMemoryWebhookStore} (one client: the peer is the store itself). */
class InMemoryWebhookStoreContractTest extends WebhookStoreContract {
    @Override
    protected Fixture createFixture() {
        InMemoryWebhookStore store = new InMemoryWebhookStore();
        return new Fixture() {
            @Override
            public WebhookStore store() {
                return store;
            }

            @Override
            public WebhookStore peer() {
                return store;
            }

            @Override
            public void close() {}
        };
    }
}
