// index.d.ts does not lie: every field an interface declares is present in the real
// answer (answers may carry more; the types never promise a field that is not there).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

import { createVault, ownerKey, transfer } from './helpers.mjs'

function interfaces() {
  const text = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')
  const out = {}
  for (const [, name, body] of text.matchAll(/export interface (\w+) \{\n([\s\S]*?)\n\}/g)) {
    out[name] = [...body.matchAll(/^  (\w+)\??:/gm)].map((m) => m[1])
  }
  return out
}

test('declared interfaces match the answers', async (t) => {
  const shapes = interfaces()
  const check = (name, value) => {
    assert.ok(shapes[name], `interface ${name} in index.d.ts`)
    for (const field of shapes[name]) assert.ok(field in value, `${name}.${field} is in the answer`)
  }
  const { admin } = await createVault(t)
  const wallet = admin.createWallet({ name: 'typed', chain: 'solana' })
  check('WalletInfo', wallet)
  admin.createPolicy({ walletId: wallet.id, type: 'SPENDING_LIMIT', rules: { instant_max: '100000000', delay_max: '200000000' } })
  const owner = ownerKey()
  admin.setOwner(wallet.id, owner.address)
  const issued = admin.createSession({ walletId: wallet.id })
  check('SessionWithToken', issued)
  check('SessionInfo', issued.session)
  const agent = admin.agent(issued.token)
  const decision = agent.simulate(transfer('0.01'))
  check('Decision', decision)
  const signed = await agent.send(transfer('0.01'))
  check('Transaction', signed)
  const pending = await agent.send(transfer('1'))
  assert.equal(pending.status, 'PENDING_APPROVAL')
  const request = admin.ownerActions().approvalRequest(pending.id)
  check('ApprovalRequest', request)
  const rejected = admin.ownerActions().reject(pending.id, owner.sign(request.rejectMessage), request.rejectMessage)
  check('Transaction', rejected)
  assert.equal(rejected.status, 'REJECTED')
  try {
    await agent.send({ type: 'TRANSFER', to: 'x', amount: '1' })
    assert.fail('refused')
  } catch (e) {
    check('WaiaasErrorFields', e)
  }
  const denied = await agent.callTool('send', { type: 'TOKEN_TRANSFER', to: wallet.address, token: { address: wallet.address, decimals: 0 }, amount: '1', chain: { recentBlockhash: 'GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi' } })
  for (const reason of denied.error.reasons) check('Reason', reason)
})

test('declared interfaces of the operator, owner and event answers match', async (t) => {
  const shapes = interfaces()
  const check = (name, value) => {
    assert.ok(shapes[name], `interface ${name} in index.d.ts`)
    for (const field of shapes[name]) assert.ok(field in value, `${name}.${field} is in the answer`)
  }
  const events = []
  const { admin } = await createVault(t, { notifiers: [(e) => events.push(e)] })
  const wallet = admin.createWallet({ name: 'typed', chain: 'solana' })
  check('PolicyRecord', admin.createPolicy({ walletId: wallet.id, type: 'SPENDING_LIMIT', rules: { instant_max: '100000000' } }))
  check('OwnerInfo', admin.setOwner(wallet.id, ownerKey().address))
  check('AuditRecord', admin.auditLog()[0])
  check('AuditHead', admin.auditHead())
  check('AuditVerification', admin.verifyAuditLog())
  check('KillSwitchReport', admin.activateKillSwitch('typed'))
  for (let i = 0; i < 100 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 20))
  check('WaiaasEvent', events[0])
})
