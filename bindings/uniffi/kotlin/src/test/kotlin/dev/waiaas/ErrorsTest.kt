package dev.waiaas

import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The stable code of any waiaas exception. */
fun codeOf(e: WaiaasException): String =
    when (e) {
        is WaiaasException.InvalidInput -> e.code
        is WaiaasException.Unauthenticated -> e.code
        is WaiaasException.Forbidden -> e.code
        is WaiaasException.PolicyDenied -> e.code
        is WaiaasException.NotFound -> e.code
        is WaiaasException.Conflict -> e.code
        is WaiaasException.RateLimited -> e.code
        is WaiaasException.Unavailable -> e.code
        is WaiaasException.Internal -> e.code
    }

/** Error codes, classes and messages as the host sees them; nothing secret in any text. */
class ErrorsTest {
    @Test
    fun everyCodeHasAClassTheBindingMapsTo() {
        val codes = JSONArray(errorCodes())
        assertTrue(codes.length() > 30)
        val classes = (0 until codes.length()).map { codes.getJSONObject(it).getString("class") }.toSet()
        assertEquals(setOf("INVALID_INPUT", "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "RATE_LIMITED", "UNAVAILABLE", "INTERNAL"), classes)
    }

    @Test
    fun wrongPasswordIsUnauthenticatedAndNamesNoSecret() {
        val path = Fixtures.tempVault()
        Fixtures.create(path)
        val e = assertThrows<WaiaasException.Unauthenticated> { Admin.open(path, "not the password", Fixtures.CONFIG) }
        assertEquals("INVALID_MASTER_PASSWORD", e.code)
        assertFalse(e.message.contains("not the password"))
    }

    @Test
    fun malformedJsonAndUnknownFieldsAreValidationFailures() {
        val admin = Fixtures.create()
        val notJson = assertThrows<WaiaasException.InvalidInput> { admin.createWallet("{name: bot") }
        assertEquals("VALIDATION_FAILED", notJson.code)
        assertTrue(notJson.errorMessage.contains("wallet"), notJson.errorMessage)
        val unknown = assertThrows<WaiaasException.InvalidInput> { admin.createWallet("""{"name": "bot", "chain": "solana", "colour": "red"}""") }
        assertTrue(unknown.errorMessage.contains("colour"), unknown.errorMessage)
        val badId = assertThrows<WaiaasException.InvalidInput> { admin.wallet("not-a-uuid") }
        assertEquals("VALIDATION_FAILED", badId.code)
    }

    @Test
    fun notFoundAndTokenErrors() {
        val admin = Fixtures.create()
        assertEquals("WALLET_NOT_FOUND", codeOf(assertThrows<WaiaasException.NotFound> { admin.wallet("01900000-0000-7000-8000-000000000001") }))
        val e = assertThrows<WaiaasException.Unauthenticated> { admin.agent("wai_sess_forged") }
        assertFalse(e.message.contains("wai_sess_forged"))
    }

    @Test
    fun revokedTokenIsRefusedOnTheNextCall() {
        val admin = Fixtures.create()
        val (agent, _) = Fixtures.agentWithPolicy(admin, JSONObject("""{"instant_max_usd": 10}"""))
        val session = JSONArray(admin.sessions()).getJSONObject(0).getString("id")
        admin.revokeSession(session)
        val e = assertThrows<WaiaasException.Unauthenticated> { agent.send(Fixtures.transfer("0.01")) }
        assertEquals("SESSION_REVOKED", e.code)
    }

    @Test
    fun killSwitchRefusesSends() {
        val admin = Fixtures.create()
        val (agent, _) = Fixtures.agentWithPolicy(admin, JSONObject("""{"instant_max_usd": 10}"""))
        admin.activateKillSwitch("test")
        val e = assertThrows<WaiaasException> { agent.send(Fixtures.transfer("0.01")) }
        assertTrue(codeOf(e) in setOf("KILL_SWITCH_ACTIVE", "SESSION_REVOKED"), codeOf(e))
    }

    @Test
    fun aPanicIsAnExceptionAndTheJvmGoesOn() {
        val e = assertThrows<InternalException> { testPanic() }
        assertTrue(e.message!!.contains("deliberate test panic"), e.message)
        // The library still works afterwards.
        assertTrue(JSONArray(errorCodes()).length() > 0)
        Fixtures.create().wallets()
    }
}
