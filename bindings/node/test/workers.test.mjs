// worker_threads: several Workers load the addon, each opens the same vault directory
// with its own handle, and all send at once against one wallet's daily cap. Exactly as
// many sends are signed as the same sends signed one by one, and the signed total never
// exceeds the cap (the same test as Rust's overshoot test and Python's test_threads.py).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Worker } from 'node:worker_threads'

import { PASSWORD, TEST_CONFIG, createVault, transfer } from './helpers.mjs'

const WORKERS = 4
const PER_WORKER = 10
const OPTIONS = { prices: { 'native:solana-devnet': '100' } }
const RULES = { instant_max_usd: 1000, daily_limit_usd: 100 }
// 0.07 SOL at 100 USD = 7 USD, plus the network fee bound (5000 lamports).
const SEND = transfer('0.07')
const EACH_USD = 7.0005

async function capped(t) {
  const { dir, admin } = await createVault(t, OPTIONS)
  // As Rust's overshoot test: AutoStop off, so only the cap decides.
  admin.setSettings({ ...admin.settings(), autoStopMaxSends: 0 })
  const wallet = admin.createWallet({ name: 'capped', chain: 'solana' })
  admin.createPolicy({ walletId: wallet.id, type: 'SPENDING_LIMIT', rules: RULES })
  const { token } = admin.createSession({ walletId: wallet.id })
  return { dir, admin, token }
}

const signed = (results) => results.filter((r) => r.status === 'SIGNED').length

test('workers sharing one vault never overshoot a daily cap', async (t) => {
  // The reference: the same sends, one after another.
  const reference = await capped(t)
  const agent = reference.admin.agent(reference.token)
  const sequential = []
  for (let i = 0; i < WORKERS * PER_WORKER; i++) sequential.push(await agent.send(SEND))
  const expected = signed(sequential)
  assert.ok(expected > 0 && expected < 15, `${expected}: the cap binds`)

  const { dir, admin, token } = await capped(t)
  const barrier = new SharedArrayBuffer(4)
  const runs = Array.from({ length: WORKERS }, () => new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./workers/sender.mjs', import.meta.url), {
      workerData: { dir, password: PASSWORD, config: TEST_CONFIG, options: OPTIONS, token, sends: PER_WORKER, transfer: SEND, barrier, workers: WORKERS },
    })
    let answer
    worker.on('message', (m) => { answer = m })
    worker.on('error', reject)
    worker.on('exit', (code) => (code === 0 && answer ? resolve(answer) : reject(new Error(`worker exited with ${code}`))))
  }))
  const results = (await Promise.all(runs)).flat()
  assert.equal(results.length, WORKERS * PER_WORKER)
  assert.deepEqual(results.filter((r) => r.error), [], 'no send failed')
  assert.equal(signed(results), expected)
  assert.ok(signed(results) * EACH_USD <= RULES.daily_limit_usd)
  assert.ok(results.every((r) => r.status !== 'SIGNED' || r.tier === 'INSTANT'))
  // The vault agrees, read through the main thread's own handle.
  assert.equal(admin.transactions({ statuses: ['SIGNED'] }).length, expected)
})
