package dev.waiaas

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.assertThrows

/**
 * The chain, session and vault vectors (testdata/vectors/{chains,sessions,vault}): every
 * case through the entries the Rust, Python and Node runners call must answer each key
 * of its `expect`.
 */
class ConformanceVectorsTest {
    private val runners: Map<String, (String) -> String> =
        mapOf("chains" to ::evaluateChainCase, "sessions" to ::evaluateSessionCase, "vault" to ::evaluateVaultCase)
    private val minimum = mapOf("chains" to 53, "sessions" to 31, "vault" to 12)

    private fun cases(family: String) = Fixtures.jsonFiles("vectors/$family").flatMap { path -> Fixtures.cases(path).map { path to it } }

    @Test
    fun thereAreVectors() {
        for ((family, least) in minimum) assertTrue(cases(family).size >= least, "$family: ${cases(family).size}")
    }

    @TestFactory
    fun vectors(): List<DynamicTest> =
        runners.flatMap { (family, run) ->
            cases(family).map { (path, case) ->
                DynamicTest.dynamicTest("$family/${path.fileName}:${case.getString("name")}") {
                    val expect = case.getJSONObject("expect")
                    assertTrue(expect.length() > 0, "an empty expect compares nothing")
                    val answer = JSONObject(run(case.toString()))
                    val got = JSONObject()
                    for (key in expect.keySet()) got.put(key, if (answer.has(key)) answer.get(key) else "<missing>")
                    assertTrue(got.similar(expect), "expected $expect, got $got")
                }
            }
        }

    @Test
    fun aCaseThatDoesNotParseIsATypedError() {
        for (run in runners.values) {
            assertEquals("VALIDATION_FAILED", assertThrows<WaiaasException.InvalidInput> { run("""{"kind": "nope"}""") }.code)
        }
    }
}
