// The article's flow through the Node binding: vault, wallet, SPENDING_LIMIT policy,
// session, an INSTANT send, a POLICY_DENIED with reasons, an APPROVAL approved with an
// owner signature made by node:crypto, then reopening the vault.
import { test } from 'node:test'
import assert from 'node:assert/strict'

import { Waiaas, Agent } from '../index.mjs'
import {
  BLOCKHASH, BONK_MINT, PASSWORD, RECIPIENT, TEST_CONFIG, createVault, ownerKey, transfer,
} from './helpers.mjs'

test('the article flow: INSTANT, POLICY_DENIED, APPROVAL approved by the owner', async (t) => {
  const { dir, admin } = await createVault(t)
  const wallet = admin.createWallet({ name: 'ai-trading-bot', chain: 'solana' })
  assert.equal(wallet.network, 'solana-devnet')
  assert.deepEqual(admin.wallets().map((w) => w.id), [wallet.id])

  const policy = admin.createPolicy({
    walletId: wallet.id,
    type: 'SPENDING_LIMIT',
    rules: { instant_max: '100000000', notify_max: '500000000', delay_max: '1000000000', delay_seconds: 900 },
  })
  assert.equal(policy.type, 'SPENDING_LIMIT')

  const owner = ownerKey()
  admin.setOwner(wallet.id, owner.address)

  const { token, session } = admin.createSession({ walletId: wallet.id, ttl: 3600 })
  assert.match(token, /^wai_sess_/)
  assert.deepEqual(session.walletIds, [wallet.id])
  const agent = admin.agent(token)
  assert.ok(agent instanceof Agent)
  assert.equal(agent.address(), wallet.address)

  // INSTANT: 0.05 SOL under instant_max, signed at once.
  const sendPromise = agent.send(transfer('0.05'))
  assert.ok(sendPromise instanceof Promise)
  const instant = await sendPromise
  assert.equal(instant.tier, 'INSTANT')
  assert.equal(instant.status, 'SIGNED')
  assert.ok(instant.result.txHash)

  // simulate judges without sending.
  const decision = agent.simulate(transfer('0.3'))
  assert.equal(decision.allowed, true)
  assert.equal(decision.tier, 'NOTIFY')

  // POLICY_DENIED: a token no ALLOWED_TOKENS policy lists, every reason as data.
  await assert.rejects(
    agent.send({
      type: 'TOKEN_TRANSFER', to: RECIPIENT, token: { address: BONK_MINT, decimals: 5 },
      amount: '1000', chain: { recentBlockhash: BLOCKHASH },
    }),
    (e) => {
      assert.ok(e instanceof Error)
      assert.equal(e.code, 'POLICY_DENIED')
      assert.equal(e.class, 'FORBIDDEN')
      assert.equal(e.retryAfter, null)
      assert.ok(e.reasons.length >= 1)
      assert.equal(e.reasons[0].code, 'TOKEN_NOT_ALLOWED')
      assert.equal(e.reasons[0].policyType, 'ALLOWED_TOKENS')
      assert.match(e.message, /^denied by policy: TOKEN_NOT_ALLOWED/)
      return true
    },
  )

  // APPROVAL: 2 SOL is above delay_max; the owner signs the exact text in JS.
  const big = await agent.send(transfer('2'))
  assert.equal(big.tier, 'APPROVAL')
  assert.equal(big.status, 'PENDING_APPROVAL')
  const owners = admin.ownerActions()
  const request = owners.approvalRequest(big.id)
  assert.equal(request.txId, big.id)
  assert.equal(request.owner, owner.address)
  // A signature over another text is refused, and the tx stays pending.
  await assert.rejects(owners.approve(big.id, owner.sign(request.rejectMessage), request.approveMessage), (e) => {
    assert.equal(e.code, 'INVALID_SIGNATURE')
    assert.equal(e.class, 'UNAUTHENTICATED')
    return true
  })
  const approved = await owners.approve(big.id, owner.sign(request.approveMessage), request.approveMessage)
  assert.equal(approved.id, big.id)
  assert.equal(approved.status, 'SIGNED')

  const history = agent.transactions()
  assert.equal(history[0].id, big.id) // newest first
  assert.ok(history.some((tx) => tx.id === instant.id && tx.status === 'SIGNED'))
  assert.ok(history.some((tx) => tx.id === big.id && tx.status === 'SIGNED'))

  // Revocation stops the agent at its next call.
  admin.revokeSession(session.id)
  assert.throws(() => agent.address(), (e) => e.code === 'SESSION_REVOKED' && e.class === 'UNAUTHENTICATED')

  // close() then reopen: the vault and its wallet are still there.
  agent.close()
  admin.close()
  assert.throws(() => admin.wallets(), (e) => e.code === 'VAULT_LOCKED' && e.class === 'UNAVAILABLE')
  const again = await Waiaas.open(dir, PASSWORD, TEST_CONFIG)
  t.after(() => again.close())
  assert.deepEqual(again.wallets().map((w) => w.id), [wallet.id])
})

test('a DELAY transaction is cancelled by the agent', async (t) => {
  const { admin } = await createVault(t)
  const wallet = admin.createWallet({ name: 'delay', network: 'solana-devnet' })
  admin.createPolicy({
    walletId: wallet.id, type: 'SPENDING_LIMIT',
    rules: { instant_max: '100000000', delay_max: '1000000000', delay_seconds: 900 },
  })
  const agent = admin.agent(admin.createSession({ walletId: wallet.id }).token)
  const queued = await agent.send(transfer('0.5'))
  assert.equal(queued.tier, 'DELAY')
  assert.equal(queued.status, 'QUEUED')
  assert.equal(agent.cancel(queued.id).status, 'CANCELLED')
  assert.throws(() => agent.cancel(queued.id), (e) => e.code === 'TX_ALREADY_PROCESSED' && e.class === 'CONFLICT')
})
