// Errors: one mapping (`src/error.rs`) gives every failure `.code`, `.class`,
// `.reasons` and `.retryAfter`, from waiaas's registry; bad JS input is refused by the
// Rust DTOs (unknown fields included), never checked in JS.
import { test } from 'node:test'
import assert from 'node:assert/strict'

import { Waiaas, errorCodes } from '../index.mjs'
import { PASSWORD, TEST_CONFIG, createVault, tempDir, transfer } from './helpers.mjs'

const expectCode = (code, cls) => (e) => {
  assert.ok(e instanceof Error, 'an Error object')
  assert.equal(e.code, code, e.message)
  assert.equal(e.class, cls)
  assert.ok(Array.isArray(e.reasons))
  assert.ok('retryAfter' in e)
  return true
}

test('the registry reaches JS with its classes', () => {
  const codes = errorCodes()
  const byCode = Object.fromEntries(codes.map((c) => [c.code, c.class]))
  assert.equal(byCode.POLICY_DENIED, 'FORBIDDEN')
  assert.equal(byCode.INVALID_MASTER_PASSWORD, 'UNAUTHENTICATED')
  assert.equal(byCode.MASTER_PASSWORD_LOCKED, 'RATE_LIMITED')
  assert.ok(codes.length > 40)
})

test('unlock errors: wrong password, missing vault, insecure KDF refused, bad config', async (t) => {
  const { dir, admin } = await createVault(t)
  admin.close()
  await assert.rejects(Waiaas.open(dir, 'wrong password', TEST_CONFIG), expectCode('INVALID_MASTER_PASSWORD', 'UNAUTHENTICATED'))
  await assert.rejects(Waiaas.open(dir, PASSWORD, { ...TEST_CONFIG, allowInsecureKdf: false }), expectCode('VAULT_INSECURE_KDF', 'FORBIDDEN'))
  await assert.rejects(Waiaas.create(dir, PASSWORD, TEST_CONFIG), expectCode('VAULT_ALREADY_EXISTS', 'CONFLICT'))
  await assert.rejects(Waiaas.open(tempDir(t), PASSWORD, TEST_CONFIG), expectCode('VAULT_NOT_FOUND', 'NOT_FOUND'))
  // Config is the Rust `Config`: snake_case or unknown keys are refused by serde.
  await assert.rejects(Waiaas.create(tempDir(t), PASSWORD, { ...TEST_CONFIG, allow_insecure_kdf: true }), (e) =>
    expectCode('VALIDATION_FAILED', 'INVALID_INPUT')(e) && /allow_insecure_kdf/.test(e.message))
  await assert.rejects(Waiaas.create(tempDir(t), PASSWORD, TEST_CONFIG, { prices: { 'native:nowhere': '1' } }), expectCode('VALIDATION_FAILED', 'INVALID_INPUT'))
})

test('input errors come from the Rust DTOs', async (t) => {
  const { admin } = await createVault(t)
  assert.throws(() => admin.createWallet({ name: 'x' }), (e) => expectCode('VALIDATION_FAILED', 'INVALID_INPUT')(e) && /chain/.test(e.message))
  assert.throws(() => admin.createWallet({ name: 'x', chain: 'solana', colour: 'red' }), expectCode('VALIDATION_FAILED', 'INVALID_INPUT'))
  assert.throws(() => admin.createPolicy({ type: 'SPENDING_LIMIT', rules: { instantMax: '1' } }), expectCode('VALIDATION_FAILED', 'INVALID_INPUT'))
  assert.throws(() => admin.revokeSession('not-a-uuid'), expectCode('VALIDATION_FAILED', 'INVALID_INPUT'))
  assert.throws(() => admin.agent('wai_sess_nonsense'), expectCode('INVALID_TOKEN', 'UNAUTHENTICATED'))
  const wallet = admin.createWallet({ name: 'w', chain: 'solana' })
  assert.throws(() => admin.setOwner(wallet.id, 'not-an-address'), expectCode('INVALID_ADDRESS', 'INVALID_INPUT'))
  const agent = admin.agent(admin.createSession({ walletId: wallet.id }).token)
  // Exactly one of amount / humanAmount; a decimal in `amount` is refused with its fix.
  await assert.rejects(agent.send(transfer('0.1', { amount: '1' })), expectCode('VALIDATION_FAILED', 'INVALID_INPUT'))
  await assert.rejects(agent.send({ type: 'TRANSFER', to: wallet.address, amount: '0.1' }), (e) =>
    expectCode('VALIDATION_FAILED', 'INVALID_INPUT')(e) && /humanAmount/.test(e.message))
  // Default deny: no policy, no send.
  await assert.rejects(agent.send(transfer('0.01')), expectCode('POLICY_DENIED', 'FORBIDDEN'))
  // The kill switch stops the agent.
  const report = admin.activateKillSwitch('test')
  assert.equal(report.state, 'SUSPENDED')
  assert.throws(() => agent.simulate(transfer('0.01')), (e) => ['SESSION_REVOKED', 'KILL_SWITCH_ACTIVE'].includes(e.code))
})

test('values JSON cannot carry are refused as input errors, never changed', async (t) => {
  const { admin } = await createVault(t)
  const wallet = admin.createWallet({ name: 'w', chain: 'solana', network: undefined })
  const agent = admin.agent(admin.createSession({ walletId: wallet.id }).token)
  const cycle = { type: 'SPENDING_LIMIT', rules: { instant_max: '1' } }
  cycle.rules.self = cycle
  const policy = (priority) => ({ walletId: wallet.id, type: 'SPENDING_LIMIT', rules: { instant_max: '1' }, priority })
  const refusals = [
    [policy(NaN), /NaN is not a JSON number/],
    [policy(Infinity), /Infinity is not a JSON number/],
    [policy(1n), /a bigint is not JSON/],
    [policy(() => 1), /a function is not JSON/],
    [policy(Symbol('p')), /a symbol is not JSON/],
    [policy(new Date()), /toJSON/],
    [{ ...policy(1), rules: { instant_max: '1', allowed: [undefined] } }, /undefined in an array/],
    [cycle, /nested deeper than 128 levels/],
  ]
  for (const [value, reason] of refusals) {
    assert.throws(() => admin.createPolicy(value), (e) =>
      expectCode('VALIDATION_FAILED', 'INVALID_INPUT')(e) && /^invalid `policy`: /.test(e.message) && reason.test(e.message))
  }
  // A Promise-returning method rejects rather than throws, as for any other input error.
  const sending = agent.send(transfer('0.1', { chain: { recentBlockhash: NaN } }))
  assert.ok(sending instanceof Promise)
  await assert.rejects(sending, (e) => expectCode('VALIDATION_FAILED', 'INVALID_INPUT')(e) && /^invalid `request`: NaN/.test(e.message))
  await assert.rejects(Waiaas.create(tempDir(t), PASSWORD, { ...TEST_CONFIG, durability: Symbol('x') }), (e) =>
    expectCode('VALIDATION_FAILED', 'INVALID_INPUT')(e) && /^invalid `config`: a symbol/.test(e.message))
  // Nothing for a required value is `null`, which the DTO refuses in serde's words.
  assert.throws(() => agent.simulate(), (e) =>
    expectCode('VALIDATION_FAILED', 'INVALID_INPUT')(e) && /invalid type: null, expected struct SendTransaction$/.test(e.message))
})
