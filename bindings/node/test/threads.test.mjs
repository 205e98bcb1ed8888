// Unlocking runs off the main thread: with a production-cost Argon2id (the floor,
// m = 19 MiB), `Waiaas.create` returns its Promise at once and the event loop keeps
// turning while the key is derived.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { performance } from 'node:perf_hooks'

import { Waiaas } from '../index.mjs'
import { PASSWORD, tempDir } from './helpers.mjs'

test('Waiaas.create/open do not block the event loop', async (t) => {
  const config = { kdf: { memoryKib: 19456, iterations: 2, parallelism: 1 } }
  const dir = tempDir(t)
  for (const unlock of [() => Waiaas.create(dir, PASSWORD, config), () => Waiaas.open(dir, PASSWORD, config)]) {
    let ticks = 0
    const timer = setInterval(() => { ticks += 1 }, 1)
    const t0 = performance.now()
    const pending = unlock()
    const callMs = performance.now() - t0
    const admin = await pending
    const totalMs = performance.now() - t0
    clearInterval(timer)
    admin.close()
    assert.ok(callMs < totalMs / 2, `the call took ${callMs} ms of ${totalMs} ms`)
    assert.ok(ticks > 0, `the event loop turned ${ticks} times in ${totalMs} ms`)
  }
})
