package dev.waiaas

import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Event listeners written in Kotlin receive pipeline events on a library thread. */
class EventsTest {
    @Test
    fun listenersFireAndAThrowingOneBreaksNothing() {
        val events = CopyOnWriteArrayList<JSONObject>()
        val threads = CopyOnWriteArrayList<Thread>()
        val signed = CountDownLatch(1)
        val recorder =
            object : EventListener {
                override fun onEvent(eventJson: String) {
                    val event = JSONObject(eventJson)
                    events.add(event)
                    threads.add(Thread.currentThread())
                    if (event.getString("kind") == "TX_SIGNED") signed.countDown()
                }
            }
        val thrower =
            object : EventListener {
                override fun onEvent(eventJson: String): Unit = throw IllegalStateException("listener bug")
            }
        val admin = Fixtures.create(listeners = listOf(thrower, recorder))
        val (agent, wallet) = Fixtures.agentWithPolicy(admin, JSONObject("""{"instant_max_usd": 10}"""))

        val tx = JSONObject(agent.send(Fixtures.transfer("0.05")))
        assertEquals("SIGNED", tx.getString("status"))
        assertTrue(signed.await(10, TimeUnit.SECONDS), "no TX_SIGNED event: $events")
        val event = events.first { it.getString("kind") == "TX_SIGNED" }
        assertEquals(wallet.getString("id"), event.getString("walletId"))
        assertEquals(tx.getString("id"), event.getString("txId"))
        assertTrue(threads.none { it == Thread.currentThread() }, "called on the caller's thread")
        // The throwing listener did not stop a second send either.
        assertEquals("SIGNED", JSONObject(agent.send(Fixtures.transfer("0.05"))).getString("status"))
        assertNotEquals(0, events.size)
    }
}
