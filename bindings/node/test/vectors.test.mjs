// The shared policy vectors (testdata/vectors/policy): every case through
// `evaluatePolicyCase` (the Rust engine) must give its `expect`, as in Rust and Python.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import { evaluatePolicyCase } from '../index.mjs'

const DIR = join(import.meta.dirname, '..', '..', '..', 'testdata', 'vectors', 'policy')
const KEYS = ['allowed', 'tier', 'reasons', 'warnings', 'delaySeconds', 'approvalReason', 'approvalTimeout']

const normalized = (d) => {
  const out = Object.fromEntries(KEYS.map((k) => [k, d[k] ?? null]))
  out.reasons = [...d.reasons].sort()
  out.warnings = [...d.warnings].sort()
  return out
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()
const cases = files.flatMap((f) =>
  JSON.parse(readFileSync(join(DIR, f), 'utf8')).cases.map((c) => [`${f}:${c.name}`, c]),
)

test('there are vectors', () => assert.ok(cases.length >= 150, `${cases.length}`))

for (const [name, c] of cases) {
  test(name, () => assert.deepEqual(normalized(evaluatePolicyCase(c)), normalized(c.expect)))
}

test('a case that does not parse is a typed error', () => {
  assert.throws(() => evaluatePolicyCase({ name: 'x' }), (e) => e.code === 'VALIDATION_FAILED')
})
