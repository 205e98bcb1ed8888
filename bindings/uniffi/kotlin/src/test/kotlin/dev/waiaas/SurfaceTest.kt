package dev.waiaas

import java.security.KeyFactory
import java.security.Signature
import java.security.spec.X509EncodedKeySpec
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The rest of the surface from Kotlin: each call once on its success path, with a refusal beside it. */
class SurfaceTest {
    private val rules = JSONObject("""{"instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000, "delay_seconds": 900}""")

    @Test
    fun walletsLifecycle() {
        val admin = Fixtures.create()
        val w = JSONObject(admin.createWallet("""{"name": "a", "chain": "solana"}"""))
        val id = w.getString("id")
        assertEquals("b", JSONObject(admin.renameWallet(id, "b")).getString("name"))
        admin.createWallet("""{"name": "c", "network": "ethereum-sepolia"}""")
        assertEquals("VALIDATION_FAILED", codeOf(assertThrows<WaiaasException.InvalidInput> { admin.renameWallet(id, "") }))
        assertEquals("SUSPENDED", JSONObject(admin.suspendWallet(id)).getString("status"))
        assertEquals("ACTIVE", JSONObject(admin.resumeWallet(id)).getString("status"))
        admin.deleteWallet(id)
        assertThrows<WaiaasException.NotFound> { admin.wallet(id) }
        assertEquals(1, JSONArray(admin.wallets()).length())
    }

    @Test
    fun importedKeyKeepsItsAddressAndIsNeverEchoed() {
        val admin = Fixtures.create()
        // A Solana keypair: seed ‖ public key (the public half from the owner helper).
        val seed = ByteArray(32) { 9 }
        val address = OwnerSigner.solana(Fixtures.b58encode(seed)).address()
        val secret = Fixtures.b58encode(seed + Fixtures.b58decode(address))
        val w = JSONObject(admin.importWallet("imported", "solana-devnet", secret))
        assertEquals(address, w.getString("address"))
        assertFalse(w.toString().contains(secret))
        val bad = assertThrows<WaiaasException.InvalidInput> { admin.importWallet("x", "solana-devnet", "not-base58-0OIl") }
        assertFalse(bad.message.contains("not-base58-0OIl"))
    }

    @Test
    fun mnemonicImportDerivesTheStandardAddress() {
        val admin = Fixtures.create()
        val mnemonic = "test test test test test test test test test test test junk"
        val w = JSONObject(admin.importMnemonic("hd", "ethereum-sepolia", mnemonic))
        assertEquals("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", w.getString("address")) // m/44'/60'/0'/0/0
        val bad = assertThrows<WaiaasException.InvalidInput> { admin.importMnemonic("hd2", "ethereum-sepolia", "test test junk") }
        assertFalse(bad.message.contains("test test junk"))
    }

    @Test
    fun ownersAndTheOperatorsRejection() {
        val admin = Fixtures.create()
        val (agent, wallet) = Fixtures.agentWithPolicy(admin, rules)
        val walletId = wallet.getString("id")
        val signer = OwnerSigner.solana(Fixtures.b58encode(ByteArray(32) { 5 }))
        assertEquals(signer.address(), JSONObject(admin.setOwner(walletId, signer.address())).getString("address"))
        assertEquals(signer.address(), JSONObject(admin.owner(walletId)).getString("address"))
        val pending = JSONObject(agent.send(Fixtures.transfer("20"))).getString("id")
        assertEquals("REJECTED", JSONObject(admin.rejectTransaction(pending)).getString("status"))
        assertEquals("TX_ALREADY_PROCESSED", codeOf(assertThrows<WaiaasException.Conflict> { admin.rejectTransaction(pending) }))
        admin.removeOwner(walletId)
        assertEquals("OWNER_NOT_CONNECTED", codeOf(assertThrows<WaiaasException> { admin.verifyOwner(walletId, "0x00", "text") }))
        assertFalse(JSONObject(admin.auditHead()).getString("hash").isEmpty())
    }

    @Test
    fun rotatingTheSessionSecretKeepsTokensForTheGracePeriod() {
        val admin = Fixtures.create()
        val (agent, wallet) = Fixtures.agentWithPolicy(admin, rules)
        admin.rotateSessionSecret()
        assertEquals(wallet.getString("address"), agent.address()) // old token: within 300 s
        val fresh = JSONObject(admin.createSession("""{"walletId": "${wallet.getString("id")}"}""")).getString("token")
        assertEquals(wallet.getString("address"), admin.agent(fresh).address())
    }

    @Test
    fun policiesUpdateDeleteAndQuickset() {
        val admin = Fixtures.create()
        val (agent, wallet) = Fixtures.agentWithPolicy(admin, rules)
        val walletId = wallet.getString("id")
        val policy = JSONArray(admin.policies("""{"walletId": "$walletId"}""")).getJSONObject(0)
        assertEquals("INSTANT", JSONObject(agent.simulate(Fixtures.transfer("0.05"))).getString("tier"))
        val lowered = JSONObject(rules.toString()).put("instant_max_usd", 1)
        admin.updatePolicy(policy.getString("id"), JSONObject().put("rules", lowered).toString())
        assertEquals("NOTIFY", JSONObject(agent.simulate(Fixtures.transfer("0.05"))).getString("tier"))
        val badRules = assertThrows<WaiaasException.InvalidInput> {
            admin.updatePolicy(policy.getString("id"), """{"rules": {"instantMaxUsd": 1}}""")
        }
        assertTrue(badRules.errorMessage.contains("instant_max_usd"), badRules.errorMessage)
        admin.deletePolicy(policy.getString("id"))
        assertEquals(0, JSONArray(admin.policies("""{"walletId": "$walletId"}""")).length())
        assertFalse(JSONObject(agent.simulate(Fixtures.transfer("0.05"))).getBoolean("allowed")) // default deny
        assertTrue(JSONArray(admin.quickset(walletId, "testnet")).length() > 0)
        assertThrows<WaiaasException.InvalidInput> { admin.quickset(walletId, "moon") }
        assertThrows<WaiaasException.NotFound> { admin.deletePolicy(policy.getString("id")) }
    }

    @Test
    fun sessionsRenewAndTheOldTokenDies() {
        val admin = Fixtures.create()
        val wallet = JSONObject(admin.createWallet("""{"name": "bot", "chain": "solana"}"""))
        admin.createPolicy(JSONObject().put("walletId", wallet.getString("id")).put("type", "SPENDING_LIMIT").put("rules", rules).toString())
        val grant = JSONObject(admin.createSession("""{"walletId": "${wallet.getString("id")}", "ttl": 3600, "maxRenewals": 2}"""))
        val agent = admin.agent(grant.getString("token"))
        assertEquals(1, JSONArray(admin.sessions(wallet.getString("id"))).length())
        // Renewal is refused this early in the TTL (the handle keeps working).
        assertEquals("RENEWAL_TOO_EARLY", codeOf(assertThrows<WaiaasException> { agent.renew() }))
        assertEquals(wallet.getString("address"), agent.address())
        assertTrue(JSONArray(agent.wallets()).toList().contains(wallet.getString("id")))
    }

    @Test
    fun signMessageIsVerifiedByTheJdk() {
        val admin = Fixtures.create()
        val wallet = JSONObject(admin.createWallet("""{"name": "bot", "chain": "solana"}"""))
        admin.createPolicy(JSONObject().put("walletId", wallet.getString("id")).put("type", "SPENDING_LIMIT").put("rules", rules).toString())
        val noPermission = admin.agent(JSONObject(admin.createSession("""{"walletId": "${wallet.getString("id")}"}""")).getString("token"))
        assertEquals("PERMISSION_DENIED", codeOf(assertThrows<WaiaasException.Forbidden> { noPermission.signMessage("""{"message": "hi"}""") }))
        val grant = admin.createSession("""{"walletId": "${wallet.getString("id")}", "permissions": ["SIGN_MESSAGE"]}""")
        val agent = admin.agent(JSONObject(grant).getString("token"))
        val tx = JSONObject(agent.signMessage("""{"message": "login to example.com at 12:00"}"""))
        assertEquals("SIGNED", tx.getString("status"), tx.toString())
        val result = tx.getJSONObject("result")
        val signed = result.getString("signedMessage").removePrefix("0x").chunked(2).map { it.toInt(16).toByte() }.toByteArray()
        val prefix = byteArrayOf(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00)
        val key = KeyFactory.getInstance("Ed25519").generatePublic(X509EncodedKeySpec(prefix + Fixtures.b58decode(wallet.getString("address"))))
        val verifier = Signature.getInstance("Ed25519")
        verifier.initVerify(key)
        verifier.update(signed)
        assertTrue(verifier.verify(Fixtures.b58decode(result.getString("signature"))))
        assertTrue(String(signed).contains("login to example.com at 12:00"))
        assertEquals(tx.getString("id"), JSONObject(agent.transaction(tx.getString("id"))).getString("id"))
        assertThrows<WaiaasException.InvalidInput> { agent.signMessage("""{"message": "zz", "encoding": "hex"}""") }
    }

    @Test
    fun delayedTransactionsAndTheOperatorsQueue() {
        val admin = Fixtures.create()
        val (agent, wallet) = Fixtures.agentWithPolicy(admin, rules)
        val queued = JSONObject(agent.send(Fixtures.transfer("5")))
        assertEquals("QUEUED", queued.getString("status"))
        val listed = JSONArray(admin.transactions("""{"walletId": "${wallet.getString("id")}", "statuses": ["QUEUED"]}"""))
        assertEquals(listOf(queued.getString("id")), (0 until listed.length()).map { listed.getJSONObject(it).getString("id") })
        assertEquals(0, JSONArray(admin.processDue()).length()) // not due for 900 s
        assertEquals("CANCELLED", JSONObject(admin.cancelTransaction(queued.getString("id"))).getString("status"))
        assertEquals("TX_ALREADY_PROCESSED", codeOf(assertThrows<WaiaasException.Conflict> { agent.cancel(queued.getString("id")) }))
        assertThrows<WaiaasException.InvalidInput> { admin.transactions("""{"statuses": ["NOT_A_STATUS"]}""") }
        assertThrows<WaiaasException.InvalidInput> { admin.policies("""{"scope": "APPLICABLE_TO"}""") }
    }

    @Test
    fun killSwitchEscalateRecoverAndTheAuditLog() {
        val admin = Fixtures.create()
        val (agent, _) = Fixtures.agentWithPolicy(admin, rules)
        assertEquals("\"ACTIVE\"", admin.killSwitchState())
        admin.activateKillSwitch("drill")
        assertNotEquals("\"ACTIVE\"", admin.killSwitchState())
        assertThrows<WaiaasException> { agent.send(Fixtures.transfer("0.01")) }
        admin.escalateKillSwitch("drill, escalated")
        assertEquals("\"LOCKED\"", admin.killSwitchState())
        admin.recoverKillSwitch()
        assertEquals("\"ACTIVE\"", admin.killSwitchState())
        val records = JSONArray(admin.auditLog("""{"event": "KILL_SWITCH_ACTIVATED"}"""))
        assertEquals(1, records.length())
        assertThrows<WaiaasException.InvalidInput> { admin.auditLog("""{"colour": "red"}""") }
        assertTrue(JSONObject(admin.verifyAuditLog()).isNull("firstBroken"))
    }

    @Test
    fun changePasswordThenOnlyTheNewOneOpens() {
        val path = Fixtures.tempVault()
        val admin = Fixtures.create(path)
        assertEquals("INVALID_MASTER_PASSWORD", codeOf(assertThrows<WaiaasException> { admin.changePassword("wrong", "another long passphrase 2") }))
        admin.changePassword(Fixtures.PASSWORD, "another long passphrase 2")
        assertThrows<WaiaasException.Unauthenticated> { Admin.open(path, Fixtures.PASSWORD, Fixtures.CONFIG) }
        Admin.open(path, "another long passphrase 2", Fixtures.CONFIG).wallets()
    }

    @Test
    fun pricesAreCheckedAndMoveTiers() {
        val admin = Fixtures.create()
        val (agent, _) = Fixtures.agentWithPolicy(admin, rules)
        assertEquals("INSTANT", JSONObject(agent.simulate(Fixtures.transfer("0.05"))).getString("tier"))
        admin.setPrice("native:solana-devnet", "1000") // 0.05 SOL = 50 USD
        assertEquals("NOTIFY", JSONObject(agent.simulate(Fixtures.transfer("0.05"))).getString("tier"))
        assertThrows<WaiaasException.InvalidInput> { admin.setPrice("SOL", "1") }
        assertThrows<WaiaasException.InvalidInput> { admin.setPrice("native:solana-devnet", "cheap") }
    }

    @Test
    fun agentToolsAnswerDenialsAsData() {
        val admin = Fixtures.create()
        val (agent, _) = Fixtures.agentWithPolicy(admin, rules)
        val names = JSONArray(agent.tools()).let { t -> (0 until t.length()).map { t.getJSONObject(it).getString("name") } }
        assertTrue(names.containsAll(listOf("get_address", "send", "simulate", "sign_message")), "$names")
        val denied = JSONObject(
            agent.callTool(
                "send",
                """{"type": "TOKEN_TRANSFER", "to": "${Fixtures.TO}", "humanAmount": "1", "chain": {"recentBlockhash": "${Fixtures.BLOCKHASH}"},
                   "token": {"address": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "decimals": 6}}""",
            ),
        )
        assertEquals(false, denied.getBoolean("ok"), denied.toString())
        assertEquals("POLICY_DENIED", denied.getJSONObject("error").getString("code"), denied.toString())
        assertTrue(JSONObject(agent.callTool("get_address", "{}")).getBoolean("ok"))
    }
}
