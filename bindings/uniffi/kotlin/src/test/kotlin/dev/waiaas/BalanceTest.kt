package dev.waiaas

import com.sun.net.httpserver.HttpServer
import java.net.InetSocketAddress
import java.util.concurrent.CopyOnWriteArrayList
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** `Agent.balance` through a chain client made from `configJson.rpcUrls`: a local JSON-RPC endpoint. */
class BalanceTest {
    @Test
    fun balanceThroughAJsonRpcNode() {
        val seen = CopyOnWriteArrayList<JSONObject>()
        val node = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        node.createContext("/") { exchange ->
            val request = JSONObject(exchange.requestBody.readBytes().decodeToString())
            seen.add(request)
            val body =
                JSONObject()
                    .put("jsonrpc", "2.0")
                    .put("id", request.get("id"))
                    .put("result", JSONObject().put("context", JSONObject().put("slot", 7)).put("value", 1_500_000_000L))
                    .toString()
                    .toByteArray()
            exchange.responseHeaders.add("Content-Type", "application/json")
            exchange.sendResponseHeaders(200, body.size.toLong())
            exchange.responseBody.use { it.write(body) }
        }
        node.start()
        try {
            val url = "http://127.0.0.1:${node.address.port}"
            val config = JSONObject(Fixtures.CONFIG).put("rpcUrls", JSONObject().put("solana-devnet", url)).toString()
            val admin = Admin.create(Fixtures.tempVault(), Fixtures.PASSWORD, config, Fixtures.PRICES)
            val (agent, wallet) = Fixtures.agentWithPolicy(admin, JSONObject("""{"instant_max_usd": 10}"""))
            val balance = JSONObject(agent.balance())
            assertEquals(wallet.getString("id"), balance.getString("walletId"))
            assertEquals("1500000000", balance.getString("amount"))
            assertEquals("1.5", balance.getString("formatted"))
            assertEquals(listOf("getBalance"), seen.map { it.getString("method") })
            // Without a chain client the call says what to configure.
            val (offline, _) = Fixtures.agentWithPolicy(Fixtures.create(), JSONObject("""{"instant_max_usd": 10}"""))
            assertEquals("CHAIN_CLIENT_REQUIRED", codeOf(assertThrows<WaiaasException> { offline.balance() }))
        } finally {
            node.stop(0)
        }
    }
}
