/**
 * orderkit core: the API ({@code dev.orderkit.core}), the backend SPI ({@code dev.orderkit.core.spi}),
 * payments, events and the in-memory backends. {@code dev.orderkit.core.internal} is not exported.
 */
module dev.orderkit.core {
    requires org.slf4j;
    requires dev.failsafe.core;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.datatype.jsr310;
    // JSpecify nullness annotations: not needed at run time (static); read by every module compiling
    // against this one (transitive), so their nullness checkers see the API's @Nullable
    requires static transitive org.jspecify;

    exports dev.orderkit.core;
    exports dev.orderkit.core.spi;
    exports dev.orderkit.core.payment;
    exports dev.orderkit.core.event;
    exports dev.orderkit.core.memory;
    exports dev.orderkit.core.observability;

    // stored responses (PlaceOrderResult, Order ...) are records read and written by Jackson
    opens dev.orderkit.core to
            com.fasterxml.jackson.databind;
}
