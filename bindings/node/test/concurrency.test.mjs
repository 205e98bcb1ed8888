// Many concurrent `send` Promises (run on the libuv thread pool) against one daily
// cap: exactly as many are signed as fit under it, never one more (zero overshoot).
// What happens to the rest (QUEUED, or WALLET_SUSPENDED once AutoStop trips) is Rust's.
import { test } from 'node:test'
import assert from 'node:assert/strict'

import { createVault, transfer } from './helpers.mjs'

const SENDS = 40
const CAP_USD = 50
// 0.07 SOL at 100 USD = 7 USD, plus the network fee bound (5000 lamports = 0.0005 USD).
const EACH_USD = 7.0005

test('concurrent sends never overshoot a daily cap', async (t) => {
  const { admin } = await createVault(t, { prices: { 'native:solana-devnet': '100' } })
  const wallet = admin.createWallet({ name: 'capped', chain: 'solana' })
  admin.createPolicy({
    walletId: wallet.id, type: 'SPENDING_LIMIT',
    rules: { instant_max_usd: 10, notify_max_usd: 10, delay_max_usd: 10, delay_seconds: 900, daily_limit_usd: CAP_USD },
  })
  const agent = admin.agent(admin.createSession({ walletId: wallet.id }).token)

  const settled = await Promise.allSettled(Array.from({ length: SENDS }, () => agent.send(transfer('0.07'))))
  const signed = settled.filter((s) => s.status === 'fulfilled' && s.value.status === 'SIGNED')
  const others = settled.filter((s) => !(s.status === 'fulfilled' && s.value.status === 'SIGNED'))
  for (const s of others) {
    if (s.status === 'fulfilled') {
      // Over the cap a send escalates (APPROVAL; with no owner it waits as DELAY).
      assert.equal(s.value.status, 'QUEUED')
    } else {
      // AutoStop may suspend the wallet after a burst of escalations: a typed error.
      assert.equal(s.reason.code, 'WALLET_SUSPENDED', s.reason.message)
      assert.equal(s.reason.class, 'FORBIDDEN')
    }
  }
  assert.equal(signed.length, Math.floor(CAP_USD / EACH_USD))
  assert.ok(signed.length * EACH_USD <= CAP_USD)
  const history = agent.transactions(100)
  assert.equal(history.filter((tx) => tx.status === 'SIGNED').length, signed.length)
})
