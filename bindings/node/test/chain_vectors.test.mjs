// The chain, session and vault vectors (testdata/vectors/{chains,sessions,vault}): every
// case through the Rust entries the Rust runners call must answer its `expect` (each
// key of `expect` equals the same key of the answer), as in Rust and Python.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import { evaluateChainCase, evaluateSessionCase, evaluateVaultCase } from '../index.mjs'

const ROOT = join(import.meta.dirname, '..', '..', '..', 'testdata', 'vectors')
const RUNNERS = { chains: evaluateChainCase, sessions: evaluateSessionCase, vault: evaluateVaultCase }
const MINIMUM = { chains: 53, sessions: 31, vault: 12 }

const cases = (family) =>
  readdirSync(join(ROOT, family))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) =>
      JSON.parse(readFileSync(join(ROOT, family, f), 'utf8')).cases.map((c) => [`${family}/${f}:${c.name}`, c]),
    )

for (const [family, evaluate] of Object.entries(RUNNERS)) {
  const all = cases(family)
  test(`there are ${family} vectors`, () => assert.ok(all.length >= MINIMUM[family], `${all.length}`))
  for (const [name, c] of all) {
    test(name, () => {
      const keys = Object.keys(c.expect)
      assert.ok(keys.length > 0, 'an empty expect compares nothing')
      const answer = evaluate(c)
      assert.deepEqual(Object.fromEntries(keys.map((k) => [k, answer[k]])), c.expect)
    })
  }
  test(`a ${family} case that does not parse is a typed error`, () => {
    assert.throws(() => evaluate({ kind: 'nope' }), (e) => e.code === 'VALIDATION_FAILED')
  })
}
