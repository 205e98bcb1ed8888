// The waiaas quickstart in Node (what examples/quickstart.rs does): a fresh vault with
// real Argon2id parameters, a Solana devnet and an EVM Sepolia wallet, the article's
// policies, an owner key, an agent session, requests that land in every tier
// (INSTANT, NOTIFY, DELAY, APPROVAL) and two the policy denies, an approval signed with
// OwnerSigner, and the events a notifier callback saw. Offline. Exits non-zero unless
// every outcome is as expected.
//
// Run (after building the addon: `cd bindings/node && npm ci && npm run build`):
//   node examples/node_agent.mjs
// It imports the addon by relative path; an installed package imports `waiaas`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { OwnerSigner, Waiaas } from '../bindings/node/index.mjs'

const USDC_MINT = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v'
const BONK_MINT = 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263'
const RECIPIENT = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM'
// A blockhash supplied by the caller (offline: no chain client fetches one).
const BLOCKHASH = 'GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi'
// Prices come from the host's feed; here a fixed table (SOL $150, ETH $3000, USDC $1).
const PRICES = {
  'native:solana-devnet': '150',
  'native:ethereum-sepolia': '3000',
  [`solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1/token:${USDC_MINT}`]: '1',
}

// What each row ends as when waiaas behaves as the README says.
const EXPECTED = [
  ['INSTANT', 'SIGNED'], ['INSTANT', 'SIGNED'], ['NOTIFY', 'SIGNED'], ['DELAY', 'QUEUED'],
  ['DELAY', 'CANCELLED'], ['APPROVAL', 'PENDING_APPROVAL'], ['APPROVAL', 'SIGNED'],
  ['-', 'POLICY_DENIED'], ['-', 'POLICY_DENIED'], ['INSTANT', 'SIGNED'],
]

const home = mkdtempSync(join(tmpdir(), 'waiaas-node-agent-'))
const outcomes = []
const events = []

/** Runs one request, prints its row and records `[tier, status or error code]`. */
async function row(n, what, call) {
  let outcome
  let detail
  try {
    const tx = await call()
    outcome = [tx.tier ?? '-', tx.status]
    detail = {
      SIGNED: () => `signed ${tx.result.txHash.slice(0, 16)}…`,
      QUEUED: () => `executes after +${tx.executeAfter - tx.createdAt} s`,
      PENDING_APPROVAL: () => `owner has ${tx.expiresAt - tx.createdAt} s to approve`,
      CANCELLED: () => 'cancelled; its reservation released',
    }[tx.status]?.() ?? tx.status
  } catch (e) {
    outcome = ['-', e.code]
    detail = e.reasons.map((r) => r.code).join(', ')
  }
  outcomes.push(outcome)
  console.log(`| ${n} | ${what.padEnd(34)} | ${outcome[0].padEnd(8)} | ${outcome[1].padEnd(16)} | ${detail} |`)
}

try {
  // 1. The operator creates the vault (Argon2id m = 64 MiB, t = 3, p = 4, off the main
  //    thread); the master password is auto-provisioned into recovery.key (0600).
  const started = performance.now()
  const admin = await Waiaas.createAutoProvisioned(join(home, 'vault'), {}, {
    prices: PRICES,
    notifiers: [(event) => events.push(event.kind)],
  })
  console.log(`vault created in ${Math.round(performance.now() - started)} ms (one Argon2id)`)

  // 2. Wallets and the article's policies.
  const sol = admin.createWallet({ name: 'ai-trading-bot', chain: 'solana' })
  const evm = admin.createWallet({ name: 'ai-trading-bot-evm', network: 'ethereum-sepolia' })
  console.log(`wallet ${sol.id} on solana-devnet: ${sol.address}`)
  console.log(`wallet ${evm.id} on ethereum-sepolia: ${evm.address}`)
  for (const w of [sol, evm]) {
    admin.createPolicy({
      walletId: w.id, type: 'SPENDING_LIMIT',
      rules: { instant_max_usd: 10, notify_max_usd: 100, delay_max_usd: 1000, delay_seconds: 900, daily_limit_usd: 5000 },
    })
  }
  admin.createPolicy({
    walletId: sol.id, type: 'ALLOWED_TOKENS',
    rules: { tokens: [{ address: USDC_MINT, symbol: 'USDC', chain: 'solana', decimals: 6 }] },
  })
  console.log('policies: SPENDING_LIMIT 10/100/1000 USD, delay 900 s, daily 5000 USD; ALLOWED_TOKENS USDC')

  // 3. The owner's key lives in the owner's own wallet app (here: OwnerSigner); it is
  //    registered by address.
  const ownerKey = OwnerSigner.solanaFromBytes(Buffer.alloc(32, 42))
  admin.setOwner(sol.id, ownerKey.address)
  console.log(`owner of ai-trading-bot: ${ownerKey.address}`)

  // 4. A bounded session for the agent: ttl 1 h, 24 renewals.
  const { token, session } = admin.createSession({ walletIds: [sol.id, evm.id], ttl: 3600, maxRenewals: 24 })
  console.log(`session ${session.id} issued; the agent holds only its token`)
  const agent = admin.agent(token)

  const chain = { recentBlockhash: BLOCKHASH }
  const transfer = (humanAmount) => ({ type: 'TRANSFER', walletId: sol.id, to: RECIPIENT, humanAmount, chain })
  // Decimals come from the operator's ALLOWED_TOKENS entry (or the chain), never from
  // the agent; an unlisted token is denied before they matter.
  const token_ = (address, symbol, decimals, humanAmount) => ({
    type: 'TOKEN_TRANSFER', walletId: sol.id, to: RECIPIENT, humanAmount, chain,
    token: decimals === undefined ? { address, symbol } : { address, symbol, decimals },
  })

  console.log('\n| # | request                            | tier     | status           | detail |')
  console.log('|---|------------------------------------|----------|------------------|--------|')
  await row(1, '0.05 SOL ($7.50)', () => agent.send(transfer('0.05')))
  await row(2, '5 USDC ($5)', () => agent.send(token_(USDC_MINT, 'USDC', undefined, '5')))
  await row(3, '0.5 SOL ($75)', () => agent.send(transfer('0.5')))
  let delayed
  await row(4, '5 SOL ($750)', async () => (delayed = await agent.send(transfer('5'))))
  await row(5, '  … cancelled by the agent', async () => agent.cancel(delayed.id))
  let big
  await row(6, '20 SOL ($3000)', async () => (big = await agent.send(transfer('20'))))
  await row(7, '  … approved by the owner', async () => {
    // The owner reviews the exact text and signs it in their wallet app.
    const owner = admin.ownerActions()
    const { approveMessage } = owner.approvalRequest(big.id)
    return owner.approve(big.id, ownerKey.sign(approveMessage), approveMessage)
  })
  await row(8, '1000 BONK (not an allowed token)', () => agent.send(token_(BONK_MINT, 'BONK', 5, '1000')))
  // Judge what is signed: "5 USDC" stated with 9 decimals would really move 5 000 USDC.
  await row(9, '5 USDC claimed with 9 decimals', () => agent.send(token_(USDC_MINT, 'USDC', 9, '5')))
  // EVM: nonce and fees supplied by the caller (no chain client offline).
  await row(10, '0.002 ETH ($6) on sepolia', () => agent.send({
    type: 'TRANSFER', walletId: evm.id, to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', humanAmount: '0.002',
    chain: { nonce: 0, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000' },
  }))

  const audit = admin.verifyAuditLog()
  const intact = audit.firstBroken === null && audit.legacyBroken === null && !audit.truncated
  console.log(`\naudit log: ${audit.entries} entries, HMAC chain intact: ${intact}`)
  // Events reach the callback on the JS thread shortly after each step.
  for (let i = 0; i < 100 && !events.includes('TX_APPROVED'); i++) await new Promise((r) => setTimeout(r, 20))
  const seen = [...new Set(events)]
  console.log(`events seen by the notifier: ${seen.join(', ')}`)
  admin.close() // releases the notifier callback: the process can exit

  const wanted = ['TX_SIGNED', 'TX_NOTIFY', 'TX_QUEUED', 'TX_CANCELLED', 'TX_APPROVAL_REQUIRED', 'TX_APPROVED', 'POLICY_DENIED']
  const missing = wanted.filter((k) => !seen.includes(k))
  if (JSON.stringify(outcomes) !== JSON.stringify(EXPECTED) || !intact || missing.length > 0) {
    console.error(`the example did not go as the README says: ${JSON.stringify(outcomes)}, expected ${JSON.stringify(EXPECTED)}; events missing: ${missing}`)
    process.exitCode = 1
  }
} finally {
  rmSync(home, { recursive: true, force: true })
}
