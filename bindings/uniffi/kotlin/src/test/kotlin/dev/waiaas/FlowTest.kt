package dev.waiaas

import java.security.KeyPairGenerator
import java.security.Signature
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * The article's flow from Kotlin through the real Rust handles: a wallet, a policy, a
 * session, an INSTANT send whose signature the JDK's Ed25519 verifies, a denial with
 * reasons, and APPROVALs approved by an owner key held by the JDK and by `OwnerSigner`.
 */
class FlowTest {
    private val rules = JSONObject("""{"instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000, "delay_seconds": 900}""")

    @Test
    fun articleFlow() {
        val path = Fixtures.tempVault()
        val admin = Fixtures.create(path)
        val (agent, wallet) = Fixtures.agentWithPolicy(admin, rules)
        val walletId = wallet.getString("id")
        assertEquals("solana-devnet", wallet.getString("network"))
        assertEquals(wallet.getString("address"), agent.address())

        // 0.05 SOL at 100 USD = 5 USD: INSTANT, signed at once, checked by the JDK.
        assertEquals("INSTANT", JSONObject(agent.simulate(Fixtures.transfer("0.05"))).getString("tier"))
        val tx = JSONObject(agent.send(Fixtures.transfer("0.05")))
        assertEquals("SIGNED", tx.getString("status"))
        val signed = tx.getJSONObject("result").getString("signedTransaction")
        assertTrue(Fixtures.verifySolanaTransaction(signed, wallet.getString("address")))
        assertFalse(Fixtures.verifySolanaTransaction(signed, Fixtures.TO))

        // A token no policy allows: PolicyDenied with every reason.
        val denied = assertThrows<WaiaasException.PolicyDenied> {
            agent.send(
                """{"type": "TOKEN_TRANSFER", "to": "${Fixtures.TO}", "humanAmount": "1",
                   "token": {"address": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "decimals": 6},
                   "chain": {"recentBlockhash": "${Fixtures.BLOCKHASH}"}}""",
            )
        }
        assertEquals("POLICY_DENIED", denied.code)
        assertEquals(listOf("TOKEN_NOT_ALLOWED"), denied.reasons.map { it.code })
        assertEquals(null, denied.retryAfterSecs)

        // 20 SOL = 2000 USD: APPROVAL, approved by an owner key the JDK holds.
        val ownerKeys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair()
        admin.setOwner(walletId, Fixtures.b58encode(Fixtures.rawEd25519(ownerKeys.public)))
        val pending = JSONObject(agent.send(Fixtures.transfer("20")))
        assertEquals("PENDING_APPROVAL", pending.getString("status"))
        val owner = admin.ownerActions()
        val message = JSONObject(owner.approvalRequest(pending.getString("id"))).getString("approveMessage")
        fun jdkSign(text: String): String {
            val signer = Signature.getInstance("Ed25519")
            signer.initSign(ownerKeys.private)
            signer.update(text.toByteArray())
            return Fixtures.b58encode(signer.sign())
        }
        assertThrows<WaiaasException.Unauthenticated> { owner.approve(pending.getString("id"), jdkSign("something else"), message) }
        val approved = JSONObject(owner.approve(pending.getString("id"), jdkSign(message), message))
        assertEquals("SIGNED", approved.getString("status"))

        // The audit chain holds and the vault opens again from disk.
        val audit = JSONObject(admin.verifyAuditLog())
        assertTrue(audit.getInt("entries") > 0)
        assertTrue(audit.isNull("firstBroken"))
        val again = Admin.open(path, Fixtures.PASSWORD, Fixtures.CONFIG)
        assertEquals(walletId, org.json.JSONArray(again.wallets()).getJSONObject(0).getString("id"))
    }

    @Test
    fun ownerSignerApprovesAndAWrongOneIsRefused() {
        val admin = Fixtures.create()
        val (agent, wallet) = Fixtures.agentWithPolicy(admin, rules)
        val ownerKeys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair()
        val ownerSecret = Fixtures.b58encode(ownerKeys.private.encoded.takeLast(32).toByteArray())
        val signer = OwnerSigner.solana(ownerSecret)
        assertEquals(Fixtures.b58encode(Fixtures.rawEd25519(ownerKeys.public)), signer.address())
        admin.setOwner(wallet.getString("id"), signer.address())
        val owner = admin.ownerActions()

        val first = JSONObject(agent.send(Fixtures.transfer("20"))).getString("id")
        val request = JSONObject(owner.approvalRequest(first))
        val stranger = OwnerSigner.solana(Fixtures.b58encode(ByteArray(32) { 7 }))
        val refused = assertThrows<WaiaasException> { owner.approve(first, stranger.sign(request.getString("approveMessage")), request.getString("approveMessage")) }
        assertEquals("INVALID_SIGNATURE", codeOf(refused))
        assertEquals("SIGNED", JSONObject(owner.approve(first, signer.sign(request.getString("approveMessage")), request.getString("approveMessage"))).getString("status"))

        val second = JSONObject(agent.send(Fixtures.transfer("20"))).getString("id")
        val reject = JSONObject(owner.approvalRequest(second)).getString("rejectMessage")
        assertEquals("REJECTED", JSONObject(owner.reject(second, signer.sign(reject), reject)).getString("status"))
    }
}
