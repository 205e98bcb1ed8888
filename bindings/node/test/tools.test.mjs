// Agent tools (`waiaas::tools`): the definitions and `callTool`, whose answer is JSON
// (a denial is a structured result with every reason, not a rejection).
import { test } from 'node:test'
import assert from 'node:assert/strict'

import { BLOCKHASH, BONK_MINT, RECIPIENT, createVault, transfer } from './helpers.mjs'

test('tools() lists the registry; callTool runs it and answers data', async (t) => {
  const { admin } = await createVault(t)
  const wallet = admin.createWallet({ name: 'tools', chain: 'solana' })
  admin.createPolicy({ walletId: wallet.id, type: 'SPENDING_LIMIT', rules: { instant_max: '100000000' } })
  const agent = admin.agent(admin.createSession({ walletId: wallet.id }).token)

  const tools = agent.tools()
  assert.deepEqual(tools.map((d) => d.name), [
    'get_address', 'get_balance', 'simulate', 'send', 'sign_message', 'sign_typed_data',
    'list_transactions', 'get_transaction', 'cancel',
  ])
  for (const d of tools) {
    assert.equal(typeof d.description, 'string')
    assert.equal(d.parameters.type, 'object')
  }

  assert.deepEqual(await agent.callTool('get_address', {}), { ok: true, result: { address: wallet.address } })
  assert.deepEqual(await agent.callTool('get_address'), { ok: true, result: { address: wallet.address } })

  const sent = await agent.callTool('send', transfer('0.01'))
  assert.equal(sent.ok, true)
  assert.equal(sent.result.status, 'SIGNED')
  const got = await agent.callTool('get_transaction', { txId: sent.result.id })
  assert.equal(got.result.id, sent.result.id)

  const denied = await agent.callTool('send', {
    type: 'TOKEN_TRANSFER', to: RECIPIENT, token: { address: BONK_MINT, decimals: 5 }, amount: '5', chain: { recentBlockhash: BLOCKHASH },
  })
  assert.equal(denied.ok, false)
  assert.equal(denied.error.code, 'POLICY_DENIED')
  assert.equal(denied.error.reasons[0].code, 'TOKEN_NOT_ALLOWED')

  const unknown = await agent.callTool('transfer_everything', {})
  assert.equal(unknown.ok, false)
  assert.equal(unknown.error.code, 'VALIDATION_FAILED')
  const badArgs = await agent.callTool('list_transactions', { limit: 5, extra: 1 })
  assert.equal(badArgs.error.code, 'VALIDATION_FAILED')
})
