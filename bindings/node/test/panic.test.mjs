// A panic inside the addon (the test-only entries of the `test-panic` cargo feature,
// hidden from index.d.ts) becomes a JS error, on the JS thread and on the thread
// pool, and the process goes on.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

import { createVault } from './helpers.mjs'

const native = createRequire(import.meta.url)('../index.js')

test('a panic throws or rejects a JS error and the process survives', async (t) => {
  assert.equal(typeof native.panicForTests, 'function', 'build with `--features test-panic`')
  assert.throws(() => native.panicForTests('boom'), (e) => {
    assert.ok(e instanceof Error)
    assert.equal(e.code, 'PANIC')
    assert.equal(e.class, 'INTERNAL')
    assert.match(e.message, /boom/)
    return true
  })
  await assert.rejects(native.panicForTestsAsync('boom off-thread'), (e) =>
    e.code === 'PANIC' && e.class === 'INTERNAL' && /boom off-thread/.test(e.message))
  // Still alive and usable.
  const { admin } = await createVault(t)
  assert.equal(admin.createWallet({ name: 'after-panic', chain: 'ethereum' }).network, 'ethereum-sepolia')
})
