package dev.orderkit.redis;

/** {@link ScriptFaults} on standalone Redis. */
class RedisStandaloneScriptFaultTest extends ScriptFaults {
    @Override
    protected RedisFixture createFixture() {
        return RedisFixture.standalone();
    }
}
