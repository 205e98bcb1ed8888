// The waiaas quickstart from Kotlin on the JVM (the uniffi binding): a vault with real
// Argon2id parameters, a Solana devnet and an EVM Sepolia wallet, the article's
// policies, an owner key, an agent session and requests in every tier — plus two the
// policy denies. Offline. Exits non-zero unless every row ends as the Rust quickstart's.
//
// Run: bindings/uniffi/README.md ("Kotlin on the JVM"); `.ci/run` runs it.
package dev.waiaas.example

import dev.waiaas.Admin
import dev.waiaas.Agent
import dev.waiaas.OwnerSigner
import dev.waiaas.WaiaasException
import java.nio.file.Files
import java.security.SecureRandom
import java.util.Base64
import kotlin.system.exitProcess
import org.json.JSONObject

const val USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
const val BONK_MINT = "DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263"
const val RECIPIENT = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"
const val BLOCKHASH = "GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi"

/** What each row ends as when waiaas behaves as the README says. */
val EXPECTED =
    listOf("SIGNED", "SIGNED", "SIGNED", "QUEUED", "CANCELLED", "PENDING_APPROVAL", "SIGNED", "POLICY_DENIED", "POLICY_DENIED", "SIGNED")

/** Runs one request, prints its row and returns the outcome (status or error code) and the transaction. */
fun row(n: Int, what: String, call: () -> String): Pair<String, JSONObject?> =
    try {
        val tx = JSONObject(call())
        println("| $n | ${what.padEnd(34)} | ${tx.optString("tier", "-").padEnd(8)} | ${tx.getString("status").padEnd(16)} |")
        tx.getString("status") to tx
    } catch (e: WaiaasException.PolicyDenied) {
        println("| $n | ${what.padEnd(34)} | -        | ${e.code.padEnd(16)} | ${e.reasons.joinToString { it.code }}")
        e.code to null
    }

fun main() {
    val dir = Files.createTempDirectory("waiaas-kotlin-").resolve("vault").toString()
    val password = Base64.getUrlEncoder().encodeToString(ByteArray(24).also { SecureRandom().nextBytes(it) })
    // Prices come from the host's feed; here a fixed table (SOL $150, ETH $3000, USDC $1).
    val prices =
        mapOf(
            "native:solana-devnet" to "150",
            "native:ethereum-sepolia" to "3000",
            "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1/token:$USDC_MINT" to "1",
        )
    // 1. The operator creates the vault (Argon2id m = 64 MiB, t = 3, p = 4).
    val started = System.nanoTime()
    val admin = Admin.create(dir, password, prices = prices)
    println("vault created in $dir (${(System.nanoTime() - started) / 1_000_000} ms, one Argon2id)")

    // 2. Wallets and the article's policies.
    val sol = JSONObject(admin.createWallet("""{"name": "ai-trading-bot", "network": "solana-devnet"}"""))
    val evm = JSONObject(admin.createWallet("""{"name": "ai-trading-bot-evm", "network": "ethereum-sepolia"}"""))
    println("wallet ${sol.getString("id")} on solana-devnet: ${sol.getString("address")}")
    println("wallet ${evm.getString("id")} on ethereum-sepolia: ${evm.getString("address")}")
    for (w in listOf(sol, evm)) {
        admin.createPolicy(
            """{"walletId": "${w.getString("id")}", "type": "SPENDING_LIMIT", "rules": {"instant_max_usd": 10,
               "notify_max_usd": 100, "delay_max_usd": 1000, "delay_seconds": 900, "daily_limit_usd": 5000}}""",
        )
    }
    admin.createPolicy(
        """{"walletId": "${sol.getString("id")}", "type": "ALLOWED_TOKENS", "rules": {"tokens":
           [{"address": "$USDC_MINT", "symbol": "USDC", "chain": "solana", "decimals": 6}]}}""",
    )

    // 3. The owner's key lives in the owner's own wallet app (here: waiaas's owner helper).
    val ownerKey = OwnerSigner.solana("3qbR1eZRqXUWroWKKYhbDmR3FfqTHfqSU8zZSxtANzYh") // the seed of 32 bytes 42, as the Rust quickstart
    admin.setOwner(sol.getString("id"), ownerKey.address())
    println("owner of ai-trading-bot: ${ownerKey.address()}")

    // 4. A bounded session for the agent: ttl 1 h, 24 renewals.
    val grant =
        JSONObject(
            admin.createSession("""{"walletIds": ["${sol.getString("id")}", "${evm.getString("id")}"], "ttl": 3600, "maxRenewals": 24}"""),
        )
    val agent: Agent = admin.agent(grant.getString("token"))

    val chain = """{"recentBlockhash": "$BLOCKHASH"}"""
    val solId = sol.getString("id")
    fun transfer(sol: String) = """{"type": "TRANSFER", "walletId": "$solId", "to": "$RECIPIENT", "humanAmount": "$sol", "chain": $chain}"""
    fun token(mint: String, symbol: String, decimals: Int?, amount: String): String {
        val spec = JSONObject().put("address", mint).put("symbol", symbol)
        decimals?.let { spec.put("decimals", it) }
        return """{"type": "TOKEN_TRANSFER", "walletId": "$solId", "to": "$RECIPIENT", "token": $spec, "humanAmount": "$amount", "chain": $chain}"""
    }

    println("\n| # | request                            | tier     | status           |")
    println("|---|------------------------------------|----------|------------------|")
    val outcomes = mutableListOf<String>()
    outcomes += row(1, "0.05 SOL (\$7.50)") { agent.send(transfer("0.05")) }.first
    outcomes += row(2, "5 USDC (\$5)") { agent.send(token(USDC_MINT, "USDC", null, "5")) }.first
    outcomes += row(3, "0.5 SOL (\$75)") { agent.send(transfer("0.5")) }.first
    val (delayed, queued) = row(4, "5 SOL (\$750)") { agent.send(transfer("5")) }
    outcomes += delayed
    queued?.let { tx -> outcomes += row(5, "  … cancelled by the agent") { agent.cancel(tx.getString("id")) }.first }
    val (pending, big) = row(6, "20 SOL (\$3000)") { agent.send(transfer("20")) }
    outcomes += pending
    big?.let { tx ->
        // The owner reviews the exact text and signs it in their wallet app.
        val owner = admin.ownerActions()
        val text = JSONObject(owner.approvalRequest(tx.getString("id"))).getString("approveMessage")
        outcomes += row(7, "  … approved by the owner") { owner.approve(tx.getString("id"), ownerKey.sign(text), text) }.first
    }
    outcomes += row(8, "1000 BONK (not an allowed token)") { agent.send(token(BONK_MINT, "BONK", 5, "1000")) }.first
    // Judge what is signed: "5 USDC" stated with 9 decimals would really move 5 000 USDC.
    outcomes += row(9, "5 USDC claimed with 9 decimals") { agent.send(token(USDC_MINT, "USDC", 9, "5")) }.first
    // EVM: nonce and fees supplied by the caller (no chain client offline).
    outcomes +=
        row(10, "0.002 ETH (\$6) on sepolia") {
            agent.send(
                """{"type": "TRANSFER", "walletId": "${evm.getString("id")}", "to": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                   "humanAmount": "0.002", "chain": {"nonce": 0, "maxFeePerGas": "30000000000", "maxPriorityFeePerGas": "1000000000"}}""",
            )
        }.first

    val audit = JSONObject(admin.verifyAuditLog())
    val intact = audit.isNull("firstBroken")
    println("\naudit log: ${audit.getInt("entries")} entries, HMAC chain intact: $intact")
    if (outcomes != EXPECTED || !intact) {
        System.err.println("the quickstart did not go as the README says: $outcomes, expected $EXPECTED")
        exitProcess(1)
    }
}
