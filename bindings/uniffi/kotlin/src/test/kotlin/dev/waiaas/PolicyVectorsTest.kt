package dev.waiaas

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory

/** The shared policy vectors (testdata/vectors/policy) through `evaluatePolicyCase`. */
class PolicyVectorsTest {
    private val keys = listOf("allowed", "tier", "delaySeconds", "approvalReason", "approvalTimeout")

    private fun normalized(d: JSONObject): Map<String, Any?> {
        val out: MutableMap<String, Any?> = keys.associateWith { d.opt(it)?.takeUnless { v -> v == JSONObject.NULL }?.toString() }.toMutableMap()
        for (list in listOf("reasons", "warnings")) {
            val items = d.getJSONArray(list)
            out[list] = (0 until items.length()).map { items.getString(it) }.sorted()
        }
        return out
    }

    private fun allCases() = Fixtures.jsonFiles("vectors/policy").flatMap { path -> Fixtures.cases(path).map { path to it } }

    @Test
    fun thereAreVectors() {
        assertTrue(allCases().size >= 150, "found ${allCases().size} cases")
    }

    @TestFactory
    fun policyVectors(): List<DynamicTest> =
        allCases().map { (path, case) ->
            DynamicTest.dynamicTest("${path.fileName}:${case.getString("name")}") {
                val got = JSONObject(evaluatePolicyCase(case.toString()))
                assertEquals(normalized(case.getJSONObject("expect")), normalized(got))
            }
        }
}
