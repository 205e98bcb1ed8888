// Notifier callbacks (`options.notifiers`): JS functions receive each pipeline event as a
// plain object, on the JS thread but never inside the call that caused it; a throwing
// callback breaks neither a send nor the process; `close()` releases them so the
// process can exit.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'

import { Waiaas } from '../index.mjs'
import { BLOCKHASH, BONK_MINT, PASSWORD, RECIPIENT, TEST_CONFIG, createVault, tempDir, transfer } from './helpers.mjs'

const LIMIT = { instant_max: '100000000', delay_max: '1000000000', delay_seconds: 900 }

async function until(condition, what) {
  for (let i = 0; i < 200; i++) {
    if (condition()) return
    await sleep(25)
  }
  assert.fail(`timed out waiting for ${what}`)
}

async function withAgent(t, notifiers) {
  const { admin } = await createVault(t, { notifiers })
  const wallet = admin.createWallet({ name: 'notified', chain: 'solana' })
  admin.createPolicy({ walletId: wallet.id, type: 'SPENDING_LIMIT', rules: LIMIT })
  const agent = admin.agent(admin.createSession({ walletId: wallet.id }).token)
  return { admin, wallet, agent }
}

test('a callback receives the events of a send and of a denial', async (t) => {
  const events = []
  const { wallet, agent } = await withAgent(t, [(event) => events.push(event)])
  const tx = await agent.send(transfer('0.05'))
  await assert.rejects(agent.send({
    type: 'TOKEN_TRANSFER', to: RECIPIENT, token: { address: BONK_MINT, decimals: 5 }, amount: '1', chain: { recentBlockhash: BLOCKHASH },
  }), (e) => e.code === 'POLICY_DENIED')
  await until(() => events.some((e) => e.kind === 'POLICY_DENIED'), 'POLICY_DENIED')
  await until(() => events.some((e) => e.kind === 'TX_SIGNED'), 'TX_SIGNED')

  const ofTx = events.filter((e) => e.txId === tx.id).map((e) => e.kind)
  assert.deepEqual(ofTx.filter((k) => k === 'TX_REQUESTED' || k === 'TX_SIGNED'), ['TX_REQUESTED', 'TX_SIGNED'])
  const signed = events.find((e) => e.kind === 'TX_SIGNED')
  assert.equal(signed.walletId, wallet.id)
  assert.equal(typeof signed.at, 'number')
  assert.equal(typeof signed.details, 'object')
  assert.ok('sessionId' in signed)
  const denied = events.find((e) => e.kind === 'POLICY_DENIED')
  assert.equal(denied.walletId, wallet.id)
  // No token or key ever rides in an event.
  assert.ok(!JSON.stringify(events).includes('wai_sess_'))
})

test('a throwing callback breaks neither a send, nor the other callbacks, nor the process', async (t) => {
  const uncaught = []
  const onUncaught = (e) => uncaught.push(e)
  process.on('uncaughtException', onUncaught)
  t.after(() => process.off('uncaughtException', onUncaught))
  let thrown = 0
  const seen = []
  const { agent } = await withAgent(t, [
    () => { thrown += 1; throw new Error('a broken callback') },
    (event) => seen.push(event.kind),
  ])
  for (let i = 0; i < 5; i++) assert.equal((await agent.send(transfer('0.01'))).status, 'SIGNED')
  await until(() => seen.filter((k) => k === 'TX_SIGNED').length === 5, 'five TX_SIGNED')
  await until(() => thrown >= 10, 'the throwing callback to run')
  assert.deepEqual(uncaught, [])
})

test('events arrive asynchronously: never inside the call, and the event loop keeps turning', async (t) => {
  const kinds = []
  const { admin, wallet, agent } = await withAgent(t, [(event) => kinds.push(event.kind)])
  await until(() => kinds.includes('SESSION_CREATED'), 'SESSION_CREATED')
  kinds.length = 0
  admin.createSession({ walletId: wallet.id }) // emits SESSION_CREATED on a waiaas thread
  assert.deepEqual(kinds, [], 'no callback runs inside the synchronous call')
  await until(() => kinds.includes('SESSION_CREATED'), 'SESSION_CREATED after the call')

  let ticks = 0
  const timer = setInterval(() => { ticks += 1 }, 1)
  const sends = await Promise.all(Array.from({ length: 20 }, () => agent.send(transfer('0.001'))))
  await until(() => kinds.filter((k) => k === 'TX_SIGNED').length === 20, 'twenty TX_SIGNED')
  clearInterval(timer)
  assert.ok(sends.every((tx) => tx.status === 'SIGNED'))
  assert.ok(ticks > 0, 'timers ran while sends and events were in flight')
})

test('options are checked: unknown fields and non-functions refused', async (t) => {
  await assert.rejects(Waiaas.create(tempDir(t), PASSWORD, TEST_CONFIG, { notifers: [() => {}] }),
    (e) => e.code === 'VALIDATION_FAILED' && /notifers/.test(e.message))
  await assert.rejects(Waiaas.create(tempDir(t), PASSWORD, TEST_CONFIG, { notifiers: ['not a function'] }),
    (e) => e.code === 'VALIDATION_FAILED' && /notifiers/.test(e.message))
})

test('close() releases the callbacks: the process exits', () => {
  // A child process with a notifier: after close() nothing keeps its event loop alive.
  const script = `
    import { Waiaas } from ${JSON.stringify(new URL('../index.mjs', import.meta.url).href)}
    import { mkdtempSync } from 'node:fs'
    import { join } from 'node:path'
    import { tmpdir } from 'node:os'
    let events = 0
    const admin = await Waiaas.create(join(mkdtempSync(join(tmpdir(), 'waiaas-exit-')), 'vault'), ${JSON.stringify(PASSWORD)},
      ${JSON.stringify(TEST_CONFIG)}, { notifiers: [() => { events += 1 }] })
    admin.createWallet({ name: 'w', chain: 'solana' })
    await new Promise((resolve) => setTimeout(resolve, 200))
    admin.close()
    console.log('closed', events)
  `
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000, encoding: 'utf8' })
  assert.equal(child.error, undefined, 'the child exited by itself')
  assert.equal(child.status, 0, child.stderr)
  assert.match(child.stdout, /^closed \d+/)
})
