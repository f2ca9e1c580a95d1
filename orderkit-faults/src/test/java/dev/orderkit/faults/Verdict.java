package dev.orderkit.faults;

import dev.orderkit.core.DriftReport;
import dev.orderkit.core.Movement;
import dev.orderkit.core.MovementReason;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderLine;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.payment.SimulatedPaymentPort.Payment;
import dev.orderkit.core.payment.SimulatedPaymentPort.Status;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.StockEvents;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The checks of one run, on what the workers were told (their logs) and on the backends once
 * recovery has driven them to rest. Each violation is recorded under its {@link Kind}; a run
 * passes when every kind has none.
 */
final class Verdict {

    /** What a violation breaks (the table's columns). */
    enum Kind {
        /**
         * Two acknowledged answers for one key name different orders or outcomes (an accepted
         * answer and a later finished one of the same order are no conflict).
         */
        ANSWERS("answers"),
        /**
         * An acknowledged answer, acceptance, cancellation or fulfilment that the final state
         * contradicts.
         */
        LOST("lost"),
        /** A sampled or final level with reserved above on-hand, or a negative quantity. */
        OVERSELL("oversell"),
        /** {@code StockLedger.verify}: a level that differs from its movements or its active holds. */
        DRIFT("drift"),
        /** Order vs reservation consistency and the held/committed split (testkit InvariantChecker). */
        ORDER_STOCK("order-stock"),
        /** A HELD reservation past its expiry once recovery is done. */
        EXPIRED_HOLD("hold>ttl"),
        /** An order left in a non-terminal status other than CONFIRMED. */
        NOT_AT_REST("not-at-rest"),
        /** More than one effective authorization of one order. */
        DOUBLE_AUTH("2x-auth"),
        /** An authorization not voided whose order is not CONFIRMED / FULFILLED. */
        ORPHAN_AUTH("orphan-auth"),
        /** testkit InvariantChecker.checkPayments (payment status vs order status). */
        PAYMENT("payment"),
        /** A key reuse with another payload that was not rejected, or that created / changed an order. */
        REUSE("reuse"),
        /** An exception that is not an OrderKitException reached a caller. */
        UNTYPED("untyped-error"),
        /**
         * An event the final state implies (an order's creation and its last status, a hold and
         * each step of its lifecycle, a stock adjustment) that the sink never got, or an outbox
         * row not SENT or never delivered after the final drain (a dead letter included).
         */
        LOST_EVENTS("lost events"),
        /** Of one aggregate in one outbox, a first delivery that came before an earlier event's. */
        OUT_OF_ORDER("out of order"),
        /** Recovery did not bring the backends to rest within its bound (or the outbox not drained). */
        QUIESCENCE("quiescence");

        final String column;

        Kind(String column) {
            this.column = column;
        }
    }

    private final Map<Kind, List<String>> violations = new EnumMap<>(Kind.class);

    Verdict() {
        for (Kind k : Kind.values()) {
            violations.put(k, new ArrayList<>());
        }
    }

    synchronized void add(Kind kind, String what) {
        violations.get(kind).add(what);
    }

    synchronized int count(Kind kind) {
        return violations.get(kind).size();
    }

    synchronized int total() {
        return violations.values().stream().mapToInt(List::size).sum();
    }

    /** The first few violations of every kind, for the failure message. */
    synchronized String describe(int perKind) {
        StringBuilder b = new StringBuilder();
        violations.forEach((k, vs) -> {
            if (!vs.isEmpty()) {
                b.append(k.column).append(" (").append(vs.size()).append("):\n");
                vs.stream().limit(perKind).forEach(v -> b.append("  ").append(v).append('\n'));
            }
        });
        return b.toString();
    }

    // ------------------------------------------------------------------ what the workers were told

    /** The parsed worker logs of a run. */
    static final class Acks {
        /** key -> the distinct "order outcome" answers acknowledged for it (place, or a finished submit). */
        final Map<String, Set<String>> answers = new TreeMap<>();
        /**
         * key -> the distinct orders a {@code submit} answered accepted for it (kept apart from
         * {@link #answers}: an order accepted, then answered PLACED once paid, is one answer).
         */
        final Map<String, Set<String>> accepted = new TreeMap<>();
        /** order id -> key, for acknowledged cancellations / fulfilments. */
        final Map<String, String> cancelled = new HashMap<>();

        final Map<String, String> fulfilled = new HashMap<>();
        final List<String> reuseAccepted = new ArrayList<>();
        final List<String> untyped = new ArrayList<>();
        final Map<String, Integer> errors = new TreeMap<>();
        long attempts;
        long acknowledged;
        /** Accepted answers of {@code submit} (counted in {@link #acknowledged} too). */
        long acceptedAnswers;
        /** Busy answers of {@code submit} (nothing written). */
        long busy;

        long replays;
        long reuseRejected;
        long recovered;
        long lostCommits;
        long sinkFailures;

        void read(Path log) throws IOException {
            int lost = 0;
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                lost = Math.max(lost, line(line));
            }
            lostCommits += lost;
        }

        /** Parses one line; returns the lost-commit count of an {@code L} line, else 0. */
        int line(String line) {
            String[] f = line.split(" ");
            try {
                switch (f[0]) {
                    case "T" -> attempts++;
                    case "P" -> {
                        acknowledged++;
                        if (f[4].equals("1")) {
                            replays++;
                        }
                        answers.computeIfAbsent(f[1], k -> new LinkedHashSet<>())
                                .add(f[2] + " " + f[3]);
                    }
                    case "S" -> {
                        boolean replayed = f[3].equals("1");
                        acknowledged++;
                        acceptedAnswers++;
                        if (replayed) {
                            replays++;
                        }
                        accepted.computeIfAbsent(f[1], k -> new LinkedHashSet<>())
                                .add(f[2]);
                    }
                    case "B" -> {
                        if (f.length >= 3) { // a torn line tells nothing
                            busy++;
                        }
                    }
                    case "U" -> {
                        if (f[2].equals("REJECTED")) {
                            acknowledged++;
                            reuseRejected++;
                        } else {
                            reuseAccepted.add(line);
                        }
                    }
                    case "C" -> {
                        acknowledged++;
                        cancelled.put(f[2], f[1]);
                    }
                    case "F" -> {
                        acknowledged++;
                        fulfilled.put(f[2], f[1]);
                    }
                    case "R" -> recovered += Long.parseLong(f[1]) + Long.parseLong(f[2]);
                    case "E" -> errors.merge(f[1] + ":" + f[2], 1, Integer::sum);
                    case "X" -> untyped.add(line);
                    case "Y" -> sinkFailures++;
                    case "L" -> {
                        return Integer.parseInt(f[1]);
                    }
                    default -> {
                        // READY, or the torn last line of a killed worker
                    }
                }
            } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
                // a line cut by SIGKILL in the middle of its write: it told the worker nothing
            }
            return 0;
        }
    }

    /**
     * Every acknowledged answer of a key names the same order and outcome, and the final order of
     * the key agrees with it; every order a {@code submit} accepted exists, has the key, is the
     * order every other answer of the key names, and did not end REJECTED (its stock was held; that
     * it is at rest is {@link #checkRest}'s); acknowledged cancellations and fulfilments stuck;
     * reuses were rejected.
     *
     * @param acks the logs
     * @param orders every order of the run
     * @param config the run (the canonical payloads)
     */
    void checkAcks(Acks acks, Collection<Order> orders, FaultConfig config) {
        Map<String, List<Order>> byKey = new HashMap<>();
        Map<String, Order> byId = new HashMap<>();
        for (Order o : orders) {
            byKey.computeIfAbsent(o.idempotencyKey(), k -> new ArrayList<>()).add(o);
            byId.put(o.id(), o);
        }
        acks.answers.forEach((key, answers) -> {
            if (answers.size() > 1) {
                add(Kind.ANSWERS, "key " + key + " was answered " + answers);
            }
            List<Order> mine = byKey.getOrDefault(key, List.of());
            for (String a : answers) {
                String[] f = a.split(" ");
                Order o = byId.get(f[0]);
                if (o == null || !o.idempotencyKey().equals(key)) {
                    add(
                            Kind.LOST,
                            "key " + key + " was answered with order " + f[0] + " (" + f[1]
                                    + ") which is not an order of the key; the key's orders: " + ids(mine));
                } else if (!agrees(f[1], o.status())) {
                    add(
                            Kind.LOST,
                            "key " + key + " was answered " + f[1] + " but order " + o.id() + " is " + o.status());
                }
            }
        });
        acks.accepted.forEach((key, accepted) -> {
            List<Order> mine = byKey.getOrDefault(key, List.of());
            Set<String> named = new LinkedHashSet<>(accepted);
            Set<String> answers = acks.answers.getOrDefault(key, Set.of());
            answers.forEach(a -> named.add(a.split(" ")[0]));
            if (named.size() > 1) {
                add(
                        Kind.ANSWERS,
                        "key " + key + " was accepted as " + accepted + " and answered " + answers
                                + ": more than one order");
            }
            for (String id : accepted) {
                Order o = byId.get(id);
                if (o == null || !o.idempotencyKey().equals(key)) {
                    add(
                            Kind.LOST,
                            "key " + key + " was accepted as order " + id
                                    + " which is not an order of the key; the key's orders: " + ids(mine));
                } else if (!acceptedMayEnd(o.status())) {
                    add(
                            Kind.LOST,
                            "key " + key + " was accepted as order " + id + " (its stock held) but it is "
                                    + o.status());
                }
            }
        });
        byKey.forEach((key, os) -> {
            if (os.size() > 1) {
                add(Kind.ANSWERS, "key " + key + " has " + os.size() + " orders: " + ids(os));
            }
            for (Order o : os) {
                int n = FaultConfig.keyIndex(key);
                List<OrderLine> expected = n < 0 ? List.of() : config.lines(n, false);
                if (!o.lines().equals(expected)) {
                    add(
                            Kind.REUSE,
                            "order " + o.id() + " of key " + key + " has lines " + o.lines()
                                    + " but the key's payload is " + expected);
                }
            }
        });
        acks.cancelled.forEach((id, key) -> {
            Order o = byId.get(id);
            if (o == null || o.status() != OrderStatus.CANCELLED) {
                add(
                        Kind.LOST,
                        "cancellation of order " + id + " (key " + key + ") was acknowledged but it is "
                                + (o == null ? "missing" : o.status()));
            }
        });
        acks.fulfilled.forEach((id, key) -> {
            Order o = byId.get(id);
            // cancelling a fulfilled order refunds it (OrderService#cancel): CANCELLED may follow
            if (o == null || o.status() != OrderStatus.FULFILLED && o.status() != OrderStatus.CANCELLED) {
                add(
                        Kind.LOST,
                        "fulfilment of order " + id + " (key " + key + ") was acknowledged but it is "
                                + (o == null ? "missing" : o.status()));
            }
        });
        acks.reuseAccepted.forEach(l -> add(Kind.REUSE, "reuse with another payload answered: " + l));
        acks.untyped.forEach(l -> add(Kind.UNTYPED, l));
    }

    private static List<String> ids(List<Order> os) {
        return os.stream().map(o -> o.id() + "=" + o.status()).toList();
    }

    /** Whether an order's final status can follow the placement outcome its key answered. */
    static boolean agrees(String outcome, OrderStatus status) {
        return switch (outcome) {
            case "PLACED" ->
                status == OrderStatus.CONFIRMED || status == OrderStatus.FULFILLED || status == OrderStatus.CANCELLED;
            case "OUT_OF_STOCK" -> status == OrderStatus.REJECTED;
            case "PAYMENT_DECLINED" -> status == OrderStatus.PAYMENT_DECLINED;
            case "RESERVATION_EXPIRED", "CANCELLED" -> status == OrderStatus.CANCELLED;
            default -> false; // PAYMENT_ACTION_REQUIRED: the suite's payloads never ask for it
        };
    }

    /**
     * Whether an accepted order (created with its stock held) can end in this status: anything but
     * REJECTED (out of stock is decided before a submit accepts). A status not at rest is
     * {@link Kind#NOT_AT_REST}'s, not counted here a second time.
     */
    static boolean acceptedMayEnd(OrderStatus status) {
        return status != OrderStatus.REJECTED;
    }

    // ------------------------------------------------------------------ stock

    /**
     * One sampled (or the final) set of levels: never reserved above on-hand (the suite sets no
     * backorder policy), never a negative quantity, committed within reserved.
     */
    void checkLevels(List<StockLevel> levels, String when) {
        for (StockLevel l : levels) {
            if (l.onHand() < 0
                    || l.reserved() < 0
                    || l.reserved() > l.onHand() + l.policy().limit()
                    || l.committed() < 0
                    || l.committed() > l.reserved()) {
                add(
                        Kind.OVERSELL,
                        when + ": " + l.key() + " onHand=" + l.onHand() + " reserved=" + l.reserved() + " committed="
                                + l.committed());
            }
        }
    }

    void checkDrift(DriftReport report) {
        for (DriftReport.Drift d : report.drifts()) {
            add(
                    Kind.DRIFT,
                    d.key() + " " + d.check() + " " + d.quantity() + ": ledger says " + d.expected() + ", level has "
                            + d.actual());
        }
    }

    void checkHolds(List<Reservation> reservations, Instant now) {
        for (Reservation r : reservations) {
            if (r.state() == ReservationState.HELD && r.expiresAt().isBefore(now)) {
                add(Kind.EXPIRED_HOLD, "hold " + r.id() + " expired at " + r.expiresAt() + ", still HELD at " + now);
            }
        }
    }

    // ------------------------------------------------------------------ orders and money

    /** CONFIRMED (paid, awaiting shipment) or terminal. */
    static boolean atRest(OrderStatus s) {
        return s.isTerminal() || s == OrderStatus.CONFIRMED;
    }

    void checkRest(Collection<Order> orders) {
        for (Order o : orders) {
            if (!atRest(o.status())) {
                add(Kind.NOT_AT_REST, "order " + o.id() + " (key " + o.idempotencyKey() + ") is " + o.status());
            }
        }
    }

    /**
     * At most one effective authorization per order (a payment row the gateway created: declined
     * attempts create none), and every one not voided belongs to a CONFIRMED (authorized) or
     * FULFILLED (captured) order; a CANCELLED order's may only be a capture refunded in full (a
     * fulfilled order that was cancelled).
     */
    void checkPayments(Collection<Order> orders, Collection<Payment> payments) {
        Map<String, Order> byId = new HashMap<>();
        orders.forEach(o -> byId.put(o.id(), o));
        Map<String, List<Payment>> byOrder = new TreeMap<>();
        for (Payment p : payments) {
            if (p.status() != Status.DECLINED) {
                byOrder.computeIfAbsent(p.orderId(), k -> new ArrayList<>()).add(p);
            }
        }
        byOrder.forEach((orderId, ps) -> {
            if (ps.size() > 1) {
                add(Kind.DOUBLE_AUTH, "order " + orderId + " has " + ps.size() + " authorizations: " + ps);
            }
            Order o = byId.get(orderId);
            for (Payment p : ps) {
                if (p.status() == Status.VOIDED) {
                    continue;
                }
                // a capture counts as given back only when refunded in full (a fulfilled order cancelled)
                boolean refunded = p.status() == Status.CAPTURED
                        && p.refundedMinor() == p.amount().minor();
                boolean ok = o != null
                        && (p.status() == Status.AUTHORIZED && o.status() == OrderStatus.CONFIRMED
                                || p.status() == Status.CAPTURED && o.status() == OrderStatus.FULFILLED
                                || refunded && o.status() == OrderStatus.CANCELLED);
                if (!ok) {
                    add(
                            Kind.ORPHAN_AUTH,
                            "payment " + p.id() + " " + p.status() + " of order " + orderId + " which is "
                                    + (o == null ? "missing" : o.status()));
                }
            }
        });
    }

    // ------------------------------------------------------------------ events

    /**
     * One row the recording sink committed: a delivery (redeliveries are rows of their own).
     *
     * @param id the sink's commit order
     * @param outbox the outbox it was delivered from
     * @param sequence the outbox sequence of the delivered entry
     * @param eventId the event id
     * @param subject the event's subject (its aggregate)
     * @param type the event type
     * @param status the event's {@code status} attribute (order events), or null
     */
    record Delivery(
            long id,
            String outbox,
            long sequence,
            String eventId,
            String subject,
            String type,
            @Nullable String status) {}

    /**
     * One outbox row at the end of a run.
     *
     * @param outbox the outbox
     * @param sequence its sequence (the JDBC outbox's id)
     * @param eventId the event id
     * @param subject the event's subject
     * @param status PENDING, SENT or DEAD
     */
    record OutboxRow(String outbox, long sequence, String eventId, String subject, String status) {}

    /**
     * The events the final state of the backends implies, derived from the orders, the
     * reservations and the stock movements (not from any outbox), with why each must exist: every
     * order was created ({@code <order>:order_created:0}); every reservation was held
     * ({@code <id>:stock_reserved:0}) and took the lifecycle steps its state implies (COMMITTED:
     * committed; FULFILLED: committed and fulfilled; RELEASED: released; EXPIRED: expired); every
     * ADJUST movement was a stock adjustment ({@code sku@location:stock_adjusted:<reference>}).
     *
     * @param orders every order
     * @param reservations every reservation, or null when the stock storage records no events in
     *     a delivered outbox (its events are then not expected)
     * @param movements the movements of every level (only ADJUST ones imply an event)
     * @return event id to the reason it must exist
     */
    static Map<String, String> expectedEvents(
            Collection<Order> orders, @Nullable Collection<Reservation> reservations, Collection<Movement> movements) {
        Map<String, String> out = new TreeMap<>();
        Instant t = Instant.EPOCH;
        for (Order o : orders) {
            out.put(
                    OrderKitEvent.of(EventType.ORDER_CREATED, o.id(), 0, o.scope(), Map.of(), t)
                            .id(),
                    "order " + o.id() + " exists");
        }
        if (reservations == null) {
            return out;
        }
        for (Reservation r : reservations) {
            String why = "reservation " + r.id() + " is " + r.state();
            out.put(StockEvents.reserved(r.id(), r.lines().size(), t).id(), why);
            List<ReservationTransition> steps = switch (r.state()) {
                case HELD -> List.of();
                case COMMITTED -> List.of(ReservationTransition.COMMIT);
                case FULFILLED -> List.of(ReservationTransition.COMMIT, ReservationTransition.FULFIL);
                case RELEASED -> List.of(ReservationTransition.RELEASE);
                case EXPIRED -> List.of(ReservationTransition.EXPIRE);
            };
            for (ReservationTransition step : steps) {
                out.put(StockEvents.transitioned(r.id(), step, t).id(), why);
            }
        }
        for (Movement m : movements) {
            if (m.reason() == MovementReason.ADJUST) {
                out.put(
                        StockEvents.adjusted(m.key(), false, 0, m.reference(), t)
                                .id(),
                        "level " + StockEvents.subjectOf(m.key()) + " has adjustment " + m.reference());
            }
        }
        return out;
    }

    /**
     * Nothing lost, per-aggregate order kept:
     *
     * <ul>
     *   <li>{@link Kind#LOST_EVENTS}: every expected event ({@link #expectedEvents}) was delivered;
     *       every outbox row is SENT and was delivered; and for every order, the delivered order
     *       event of its highest version (the last a consumer applies) carries the order's final
     *       status (every status change writes its event, so a lost final event shows here);
     *   <li>{@link Kind#OUT_OF_ORDER}: within one outbox, the events of one aggregate were first
     *       delivered in their outbox sequence order (redeliveries after a crash may come later,
     *       in any order: consumers de-duplicate by id).
     * </ul>
     *
     * @param deliveries every delivery, in the sink's commit order
     * @param rows the rows of the outboxes the suite can list
     * @param expected {@link #expectedEvents}
     * @param orders every order
     */
    void checkEvents(
            List<Delivery> deliveries, List<OutboxRow> rows, Map<String, String> expected, Collection<Order> orders) {
        Map<String, Delivery> first = new HashMap<>();
        for (Delivery d : deliveries) {
            first.merge(d.eventId(), d, (a, b) -> a.id() <= b.id() ? a : b);
        }
        Map<String, OutboxRow> rowOf = new HashMap<>();
        rows.forEach(r -> rowOf.putIfAbsent(r.eventId(), r));
        Set<String> reported = new HashSet<>();
        expected.forEach((id, why) -> {
            if (!first.containsKey(id)) {
                reported.add(id);
                OutboxRow r = rowOf.get(id);
                add(
                        Kind.LOST_EVENTS,
                        "event " + id + " (" + why + ") was never delivered"
                                + (r == null
                                        ? rows.isEmpty() ? "" : "; it is in no outbox"
                                        : "; its outbox row " + r.sequence() + " is " + r.status()));
            }
        });
        for (OutboxRow r : rows) {
            if (reported.contains(r.eventId())) {
                continue; // one violation per lost event
            }
            if (!r.status().equals("SENT")) {
                add(
                        Kind.LOST_EVENTS,
                        "outbox " + r.outbox() + " row " + r.sequence() + " (" + r.eventId() + ") is " + r.status()
                                + " after the final drain");
            } else if (!first.containsKey(r.eventId())) {
                add(
                        Kind.LOST_EVENTS,
                        "outbox " + r.outbox() + " row " + r.sequence() + " (" + r.eventId()
                                + ") is SENT but the sink never got it");
            }
        }
        Map<String, Delivery> lastOrderEvent = new HashMap<>();
        for (Delivery d : first.values()) {
            if (d.status() != null) {
                lastOrderEvent.merge(d.subject(), d, (a, b) -> version(a) >= version(b) ? a : b);
            }
        }
        for (Order o : orders) {
            Delivery last = lastOrderEvent.get(o.id());
            if (last != null && !o.status().name().equals(last.status())) {
                add(
                        Kind.LOST_EVENTS,
                        "order " + o.id() + " is " + o.status() + " (version " + o.version()
                                + ") but the last event a consumer got says " + last.status() + " (" + last.eventId()
                                + ")");
            }
        }
        checkOrder(first.values());
    }

    /** The version of an order event: the last part of its id ({@code <order>:<type>:<version>}). */
    private static long version(Delivery d) {
        String id = d.eventId();
        try {
            return Long.parseLong(id.substring(id.lastIndexOf(':') + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void checkOrder(Collection<Delivery> firstDeliveries) {
        Map<String, List<Delivery>> byAggregate = new TreeMap<>();
        for (Delivery d : firstDeliveries) {
            byAggregate
                    .computeIfAbsent(d.outbox() + " " + d.subject(), k -> new ArrayList<>())
                    .add(d);
        }
        byAggregate.forEach((aggregate, ds) -> {
            ds.sort(Comparator.comparingLong(Delivery::sequence));
            for (int i = 1; i < ds.size(); i++) {
                Delivery earlier = ds.get(i - 1);
                Delivery later = ds.get(i);
                if (later.id() < earlier.id()) {
                    add(
                            Kind.OUT_OF_ORDER,
                            "aggregate " + aggregate + ": " + later.eventId() + " (sequence " + later.sequence()
                                    + ") was first delivered (#" + later.id() + ") before " + earlier.eventId()
                                    + " (sequence " + earlier.sequence() + ", first delivered #" + earlier.id() + ")");
                    return; // one per aggregate
                }
            }
        });
    }
}
