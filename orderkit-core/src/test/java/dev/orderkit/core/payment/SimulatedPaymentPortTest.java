package dev.orderkit.core.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.Money;
import dev.orderkit.core.PaymentRejectedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class SimulatedPaymentPortTest {
    private static AuthorizeRequest auth(String order, String method) {
        return new AuthorizeRequest(order + ":authorize", order, Money.of(500, "usd"), method, Map.of());
    }

    @Test
    void portsSharingALedgerApplyAKeyOnce() throws Exception {
        SimulatedPaymentPort.Ledger ledger = SimulatedPaymentPort.inMemoryLedger();
        SimulatedPaymentPort a = new SimulatedPaymentPort(ledger);
        SimulatedPaymentPort b = new SimulatedPaymentPort(ledger);
        Set<PaymentResult> results = ConcurrentHashMap.newKeySet();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            SimulatedPaymentPort port = i % 2 == 0 ? a : b;
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                results.add(port.authorize(auth("o1", "pm_card_visa")));
            });
            t.start();
            threads.add(t);
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(results).hasSize(1);
        assertThat(a.payments()).hasSize(1).isEqualTo(b.payments());
        assertThat(a.appliedCount() + b.appliedCount()).isEqualTo(1);
        assertThat(a.callCount() + b.callCount()).isEqualTo(32);
        assertThat(a.liveAuthorizationsByOrder()).containsOnlyKeys("o1");
        assertThat(new SimulatedPaymentPort().payments())
                .as("default ledgers are private")
                .isEmpty();
    }

    @Test
    void aTombstoneThroughOnePortStopsALateAuthorizeThroughAnother() {
        SimulatedPaymentPort.Ledger ledger = SimulatedPaymentPort.inMemoryLedger();
        SimulatedPaymentPort recovery = new SimulatedPaymentPort(ledger);
        SimulatedPaymentPort late = new SimulatedPaymentPort(ledger);
        assertThat(recovery.voidAuthorizationByKey(auth("o2", "pm_card_visa"), "o2:void"))
                .isEmpty();
        assertThat(late.authorize(auth("o2", "pm_card_visa"))).isInstanceOf(PaymentResult.Declined.class);
        assertThat(late.payments()).isEmpty();
        assertThat(late.liveAuthorizationsByOrder()).isEmpty();
        assertThat(recovery.appliedCount() + late.appliedCount()).isZero();
    }

    @Test
    void voidByKeyVoidsWhatTheKeyAuthorizedThroughAnotherPort() {
        SimulatedPaymentPort.Ledger ledger = SimulatedPaymentPort.inMemoryLedger();
        SimulatedPaymentPort a = new SimulatedPaymentPort(ledger);
        SimulatedPaymentPort b = new SimulatedPaymentPort(ledger);
        PaymentResult.Approved ok = (PaymentResult.Approved) a.authorize(auth("o3", "pm_card_visa"));
        assertThat(b.voidAuthorizationByKey(auth("o3", "pm_card_visa"), "o3:void"))
                .contains(new PaymentResult.Approved(ok.paymentId()));
        assertThat(a.payments().get(ok.paymentId()).status()).isEqualTo(SimulatedPaymentPort.Status.VOIDED);
        assertThat(a.capture("o3:capture", ok.paymentId(), Money.of(500, "usd")))
                .isInstanceOf(PaymentResult.Declined.class);
    }

    @Test
    void aThrowingEffectStoresNothing() {
        SimulatedPaymentPort port = new SimulatedPaymentPort();
        assertThatThrownBy(() -> port.capture("k", "no-such-payment", Money.of(1, "usd")))
                .isInstanceOf(PaymentRejectedException.class);
        PaymentResult.Approved ok = (PaymentResult.Approved) port.authorize(auth("o4", "pm_card_visa"));
        assertThat(port.capture("k", ok.paymentId(), Money.of(500, "usd"))).isEqualTo(ok);
        assertThat(port.payments().get(ok.paymentId()).status()).isEqualTo(SimulatedPaymentPort.Status.CAPTURED);
        assertThat(port.appliedCount()).isEqualTo(2);
    }
}
