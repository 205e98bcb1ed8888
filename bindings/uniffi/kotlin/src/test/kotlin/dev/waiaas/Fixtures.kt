package dev.waiaas

import java.io.File
import java.math.BigInteger
import java.nio.file.Files
import java.nio.file.Path
import java.security.KeyFactory
import java.security.Signature
import java.security.spec.X509EncodedKeySpec
import java.util.Base64
import org.json.JSONArray
import org.json.JSONObject

/** Shared set-up: the insecure test KDF (as `Config::for_tests`), SOL at 100 USD. */
object Fixtures {
    val CONFIG: String =
        JSONObject()
            .put("kdf", JSONObject().put("memoryKib", 65536).put("iterations", 3).put("parallelism", 4).put("insecureTestProfile", true))
            .put("allowInsecureKdf", true)
            .toString()
    const val PASSWORD = "correct horse battery staple"
    val PRICES = mapOf("native:solana-devnet" to "100")
    const val BLOCKHASH = "11111111111111111111111111111111"
    const val TO = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"

    val testdata: File = File(System.getProperty("waiaas.testdata") ?: error("-Dwaiaas.testdata is not set"))

    fun tempVault(): String = Files.createTempDirectory("waiaas-kt").resolve("vault").toString()

    fun create(path: String = tempVault(), listeners: List<EventListener> = listOf()): Admin =
        Admin.create(path, PASSWORD, CONFIG, PRICES, listeners)

    fun transfer(humanAmount: String): String =
        JSONObject()
            .put("type", "TRANSFER")
            .put("to", TO)
            .put("humanAmount", humanAmount)
            .put("chain", JSONObject().put("recentBlockhash", BLOCKHASH))
            .toString()

    /** A Solana wallet with one SPENDING_LIMIT policy and an agent for it. */
    fun agentWithPolicy(admin: Admin, rules: JSONObject): Pair<Agent, JSONObject> {
        val wallet = JSONObject(admin.createWallet("""{"name": "bot", "chain": "solana", "environment": "testnet"}"""))
        admin.createPolicy(JSONObject().put("walletId", wallet.getString("id")).put("type", "SPENDING_LIMIT").put("rules", rules).toString())
        val grant = JSONObject(admin.createSession(JSONObject().put("walletId", wallet.getString("id")).toString()))
        return admin.agent(grant.getString("token")) to wallet
    }

    private const val B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

    fun b58decode(text: String): ByteArray {
        var n = BigInteger.ZERO
        for (c in text) n = n.multiply(BigInteger.valueOf(58)).add(BigInteger.valueOf(B58.indexOf(c).toLong().also { require(it >= 0) }))
        val body = n.toByteArray().dropWhile { it == 0.toByte() }.toByteArray()
        return ByteArray(text.takeWhile { it == '1' }.length) + body
    }

    fun b58encode(data: ByteArray): String {
        var n = BigInteger(1, data)
        val out = StringBuilder()
        while (n > BigInteger.ZERO) {
            val (q, r) = n.divideAndRemainder(BigInteger.valueOf(58))
            out.insert(0, B58[r.toInt()])
            n = q
        }
        repeat(data.takeWhile { it == 0.toByte() }.size) { out.insert(0, '1') }
        return out.toString()
    }

    /** The raw 32 bytes of an Ed25519 public key from the JDK (X.509 SubjectPublicKeyInfo). */
    fun rawEd25519(publicKey: java.security.PublicKey): ByteArray = publicKey.encoded.takeLast(32).toByteArray()

    /**
     * Checks a signed Solana transaction (base64 wire bytes) with the JDK's own Ed25519,
     * not waiaas: one signature by `address` over the message that follows it.
     */
    fun verifySolanaTransaction(signedBase64: String, address: String): Boolean {
        val wire = Base64.getDecoder().decode(signedBase64)
        require(wire[0] == 1.toByte()) { "expected one signature" }
        val signature = wire.copyOfRange(1, 65)
        val message = wire.copyOfRange(65, wire.size)
        val prefix = byteArrayOf(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00)
        val key = KeyFactory.getInstance("Ed25519").generatePublic(X509EncodedKeySpec(prefix + b58decode(address)))
        val verifier = Signature.getInstance("Ed25519")
        verifier.initVerify(key)
        verifier.update(message)
        return verifier.verify(signature)
    }

    fun jsonFiles(dir: String): List<Path> =
        File(testdata, dir).listFiles { f -> f.name.endsWith(".json") }!!.map { it.toPath() }.sorted()

    fun cases(path: Path): List<JSONObject> {
        val cases: JSONArray = JSONObject(Files.readString(path)).getJSONArray("cases")
        return (0 until cases.length()).map { cases.getJSONObject(it) }
    }
}
