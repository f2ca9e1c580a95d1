package dev.orderkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.Money;
import dev.orderkit.core.PaymentRejectedException;
import dev.orderkit.core.payment.AuthorizeRequest;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.jdbc.TestDatabases.Kind;
import dev.orderkit.testkit.JdbcPaymentLedger;
import dev.orderkit.testkit.TestServices;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link JdbcPaymentLedger} on every dialect: two simulated gateways on two connection pools (two
 * "processes") sharing the ledger's tables act as one idempotent gateway.
 */
class JdbcSimulatedGatewayTest {

    /** Two pools on one database, and a ledger over the same tables on each. */
    private record Pair(JdbcPaymentLedger first, JdbcPaymentLedger second) {
        SimulatedPaymentPort port1() {
            return new SimulatedPaymentPort(first);
        }

        SimulatedPaymentPort port2() {
            return new SimulatedPaymentPort(second);
        }
    }

    private static void withLedgers(Kind kind, Consumer<Pair> body) {
        String prefix = TestServices.uniqueName("gw").replace("_", "") + "_";
        DataSource ds1;
        DataSource ds2;
        if (kind == Kind.H2) {
            String url = "jdbc:h2:mem:" + prefix + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";
            ds1 = h2(url);
            ds2 = h2(url);
        } else {
            ds1 = TestDatabases.pool(kind);
            ds2 = TestDatabases.peerPool(kind);
        }
        JdbcPaymentLedger first = new JdbcPaymentLedger(ds1, prefix).createTables();
        try {
            body.accept(new Pair(first, new JdbcPaymentLedger(ds2, prefix)));
        } finally {
            first.dropTables();
        }
    }

    private static DataSource h2(String url) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        ds.setUser("sa");
        return ds;
    }

    private static AuthorizeRequest auth(String order, String method) {
        return new AuthorizeRequest(
                order + ":authorize", order, Money.of(700, "usd"), method, Map.of("orderkit_order_id", order));
    }

    /** Runs {@code task(i)} on {@code n} threads released together; returns what they threw. */
    private static List<Throwable> race(int n, IntConsumer task) {
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int idx = i;
            Thread t = new Thread(() -> {
                ready.countDown();
                try {
                    go.await();
                    task.accept(idx);
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            t.start();
            threads.add(t);
        }
        try {
            ready.await();
            go.countDown();
            for (Thread t : threads) {
                t.join(60_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return errors;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void twoPoolsRacingOneKeyMakeOnePayment(Kind kind) {
        withLedgers(kind, pair -> {
            SimulatedPaymentPort a = pair.port1();
            SimulatedPaymentPort b = pair.port2();
            for (String method : List.of("pm_card_visa", "pm_action_3ds")) {
                String order = "race-" + method;
                Set<PaymentResult> results = ConcurrentHashMap.newKeySet();
                List<Throwable> errors =
                        race(32, i -> results.add((i % 2 == 0 ? a : b).authorize(auth(order, method))));
                assertThat(errors).isEmpty();
                assertThat(results)
                        .as("every caller gets the one stored result")
                        .hasSize(1);
                List<SimulatedPaymentPort.Payment> ofOrder = a.payments().values().stream()
                        .filter(p -> p.orderId().equals(order))
                        .toList();
                assertThat(ofOrder).as("payments of %s", order).hasSize(1);
                String id = ofOrder.get(0).id();
                assertThat(results.iterator().next())
                        .isIn(new PaymentResult.Approved(id), new PaymentResult.ActionRequired(id, "redirect_to_url"));
            }
            assertThat(a.appliedCount() + b.appliedCount()).isEqualTo(2);
            assertThat(a.callCount() + b.callCount()).isEqualTo(64);
            assertThat(b.payments()).isEqualTo(a.payments());
            assertThat(b.liveAuthorizationsByOrder()).containsOnlyKeys("race-pm_card_visa", "race-pm_action_3ds");
        });
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aTombstoneStopsALateAuthorizeThroughAnotherPool(Kind kind) {
        withLedgers(kind, pair -> {
            SimulatedPaymentPort recovery = pair.port1();
            SimulatedPaymentPort late = pair.port2();
            assertThat(recovery.voidAuthorizationByKey(auth("t1", "pm_card_visa"), "t1:void"))
                    .isEmpty();
            assertThat(late.authorize(auth("t1", "pm_card_visa")))
                    .isEqualTo(new PaymentResult.Declined("authorization_voided", "voided before it was made"));
            assertThat(late.payments()).isEmpty();
            assertThat(late.liveAuthorizationsByOrder()).isEmpty();

            // racing: tombstones and authorizations of one key from both pools; whatever wins,
            // nothing stays live once a tombstone went through
            Set<Object> results = ConcurrentHashMap.newKeySet();
            List<Throwable> errors = race(16, i -> {
                if (i % 2 == 0) {
                    results.add(late.authorize(auth("t2", "pm_card_visa")));
                } else {
                    results.add(recovery.voidAuthorizationByKey(auth("t2", "pm_card_visa"), "t2:void"));
                }
            });
            assertThat(errors).isEmpty();
            assertThat(late.liveAuthorizationsByOrder())
                    .as("live after void by key")
                    .isEmpty();
            assertThat(late.payments().values())
                    .allMatch(p -> p.status() == SimulatedPaymentPort.Status.VOIDED)
                    .hasSizeLessThanOrEqualTo(1);
        });
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void captureAndVoidOfOnePaymentRacingFromTwoPoolsSerialize(Kind kind) {
        withLedgers(kind, pair -> {
            SimulatedPaymentPort a = pair.port1();
            SimulatedPaymentPort b = pair.port2();
            for (int round = 0; round < 5; round++) {
                String order = "cv-" + round;
                String id = ((PaymentResult.Approved) a.authorize(auth(order, "pm_card_visa"))).paymentId();
                Map<String, PaymentResult> results = new ConcurrentHashMap<>();
                List<Throwable> errors = race(2, i -> {
                    if (i == 0) {
                        results.put("capture", a.capture(order + ":capture", id, Money.of(700, "usd")));
                    } else {
                        results.put("void", b.voidAuthorization(order + ":void", id));
                    }
                });
                assertThat(errors).isEmpty();
                SimulatedPaymentPort.Status status = a.payments().get(id).status();
                boolean captured = results.get("capture") instanceof PaymentResult.Approved;
                boolean voided = results.get("void") instanceof PaymentResult.Approved;
                assertThat(captured ^ voided)
                        .as("exactly one of capture and void wins: %s", results)
                        .isTrue();
                assertThat(status)
                        .isEqualTo(
                                captured ? SimulatedPaymentPort.Status.CAPTURED : SimulatedPaymentPort.Status.VOIDED);
            }
        });
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aFailedEffectStoresNothingAndResultsSurviveANewLedgerInstance(Kind kind) {
        withLedgers(kind, pair -> {
            SimulatedPaymentPort a = pair.port1();
            assertThatThrownBy(() -> a.capture("f1:capture", "sim_pi_missing", Money.of(1, "usd")))
                    .isInstanceOf(PaymentRejectedException.class);
            assertThat(a.authorize(auth("f1", "pm_decline_card"))).isInstanceOf(PaymentResult.Declined.class);
            String id = ((PaymentResult.Approved) a.authorize(auth("f2", "pm_card_visa"))).paymentId();
            // the failed capture key was not stored: it applies now
            assertThat(a.capture("f1:capture", id, Money.of(700, "usd"))).isEqualTo(new PaymentResult.Approved(id));
            assertThat(a.refund("f2:refund", id, Money.of(300, "usd"))).isEqualTo(new PaymentResult.Approved(id));
            // a fresh port on the second pool replays every stored result
            SimulatedPaymentPort fresh = pair.port2();
            assertThat(fresh.authorize(auth("f2", "pm_card_visa"))).isEqualTo(new PaymentResult.Approved(id));
            assertThat(fresh.refund("f2:refund", id, Money.of(300, "usd"))).isEqualTo(new PaymentResult.Approved(id));
            assertThat(fresh.appliedCount()).isZero();
            assertThat(fresh.payments().get(id))
                    .isEqualTo(new SimulatedPaymentPort.Payment(
                            id, "f2", Money.of(700, "usd"), SimulatedPaymentPort.Status.CAPTURED, 300));
            assertThat(pair.first().tableNames()).hasSize(2);
        });
    }
}
