package dev.orderkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The retention settings: documented defaults, every field validated with its name. */
class RetentionTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        Retention r = Retention.defaults();
        assertThat(r.reservations()).isEqualTo(Duration.ofDays(7));
        assertThat(r.movements()).isEqualTo(Duration.ofDays(30));
        assertThat(r.sentEvents()).isEqualTo(Duration.ofDays(7));
        assertThat(r.inbox()).isEqualTo(Duration.ofDays(7));
        assertThat(r.orders()).isEqualTo(Duration.ofDays(365));
        assertThat(r.orderArchiver()).as("orders are kept by default").isNull();
        assertThat(r.batchSize()).isEqualTo(500);
        assertThat(r.maxBatches()).isEqualTo(20);
        assertThat(OrderKit.builder().build().config().retention()).isEqualTo(r);
        assertThat(OrderKit.builder().build().config().inboxStore()).isNull();
    }

    @Test
    void invalidSettingsNameTheirField() {
        Retention r = Retention.defaults();
        assertThatThrownBy(() -> r.withReservations(Duration.ofSeconds(59)))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("retention.reservations"));
        assertThatThrownBy(() -> r.withMovements(Duration.ofDays(3651)))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("retention.movements"));
        assertThatThrownBy(() -> r.withSentEvents(Duration.ZERO))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("retention.sentEvents"));
        assertThatThrownBy(() -> r.withInbox(Duration.ofMinutes(-1)))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("retention.inbox"));
        assertThatThrownBy(() -> r.withBatches(0, 1))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("retention.batchSize"));
        assertThatThrownBy(() -> r.withBatches(1, 10_001))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("retention.maxBatches"));
        assertThatThrownBy(() -> r.withOrderArchiver(Duration.ofDays(1), null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> r.withReservations(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> OrderKit.builder().retention(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> OrderKit.builder().inboxStore(null)).isInstanceOf(NullPointerException.class);
    }
}
