package dev.waiaas

import java.util.Collections
import java.util.concurrent.CyclicBarrier
import kotlin.concurrent.thread
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * 8 JVM threads send against one daily cap through one handle: exactly as many sends
 * are signed as the same sends made one by one (no overshoot, none lost) — the same
 * test as Rust's, Python's and Node's.
 */
class ThreadsTest {
    private val rules = JSONObject("""{"instant_max_usd": 1000, "daily_limit_usd": 100}""")
    private val threads = 8
    private val perThread = 5

    private fun agentFor(admin: Admin): Agent {
        // As Rust's overshoot test: AutoStop off, so only the cap decides.
        val settings = JSONObject(admin.settings()).put("autoStopMaxSends", 0)
        admin.setSettings(settings.toString())
        return Fixtures.agentWithPolicy(admin, rules).first
    }

    private fun signed(txs: List<JSONObject>) = txs.count { it.getString("status") == "SIGNED" }

    @Test
    fun noOvershootFromThreads() {
        val sequential = agentFor(Fixtures.create())
        val expected = signed((0 until threads * perThread).map { JSONObject(sequential.send(Fixtures.transfer("0.07"))) })
        assertTrue(expected in 1..14, "$expected") // 100 USD / 7 USD: the cap binds

        val agent = agentFor(Fixtures.create())
        val results = Collections.synchronizedList(mutableListOf<JSONObject>())
        val errors = Collections.synchronizedList(mutableListOf<Throwable>())
        val start = CyclicBarrier(threads)
        val workers =
            (0 until threads).map {
                thread {
                    start.await()
                    repeat(perThread) {
                        try {
                            results.add(JSONObject(agent.send(Fixtures.transfer("0.07"))))
                        } catch (e: Throwable) {
                            errors.add(e)
                        }
                    }
                }
            }
        workers.forEach { it.join() }
        assertEquals(emptyList<Throwable>(), errors)
        assertEquals(threads * perThread, results.size)
        assertEquals(expected, signed(results))
    }
}
