// The operator's surface beyond the article flow: each method once on its success path
// and once refused with its exact code (every rule is Rust's; these prove the binding
// reaches it and carries the answer back).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

import { OwnerSigner, Waiaas } from '../index.mjs'
import { PASSWORD, TEST_CONFIG, base58, createVault, tempDir, transfer } from './helpers.mjs'

const refused = (code) => (e) => {
  assert.equal(e.code, code, e.message)
  return true
}

const LIMIT = { instant_max: '100000000', notify_max: '500000000', delay_max: '1000000000', delay_seconds: 900 }

async function fundedWallet(t, name = 'w') {
  const { dir, admin } = await createVault(t)
  const wallet = admin.createWallet({ name, chain: 'solana' })
  admin.createPolicy({ walletId: wallet.id, type: 'SPENDING_LIMIT', rules: LIMIT })
  return { dir, admin, wallet }
}

test('wallets: read, rename, suspend, resume, delete', async (t) => {
  const { admin, wallet } = await fundedWallet(t)
  assert.deepEqual(admin.wallet(wallet.id), wallet)
  assert.throws(() => admin.wallet(randomUUID()), refused('WALLET_NOT_FOUND'))

  assert.equal(admin.renameWallet(wallet.id, 'renamed').name, 'renamed')
  assert.throws(() => admin.renameWallet(wallet.id, ''), refused('VALIDATION_FAILED'))

  const agent = admin.agent(admin.createSession({ walletId: wallet.id }).token)
  assert.equal(admin.suspendWallet(wallet.id).status, 'SUSPENDED')
  await assert.rejects(agent.send(transfer('0.01')), refused('WALLET_SUSPENDED'))
  assert.equal(admin.resumeWallet(wallet.id).status, 'ACTIVE')
  assert.equal((await agent.send(transfer('0.01'))).status, 'SIGNED')
  assert.throws(() => admin.suspendWallet(randomUUID()), refused('WALLET_NOT_FOUND'))

  admin.deleteWallet(wallet.id)
  assert.throws(() => admin.wallet(wallet.id), refused('WALLET_NOT_FOUND'))
  assert.throws(() => admin.deleteWallet(wallet.id), refused('WALLET_NOT_FOUND'))
})

test('importWallet and importMnemonic: the address of the key, the secret never echoed', async (t) => {
  const { admin } = await createVault(t)
  // A Solana keypair made by node:crypto: seed ‖ public key, base58.
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url')
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d, 'base64url')
  const keypair = base58(Buffer.concat([seed, pub]))
  const imported = admin.importWallet({ name: 'imported', chain: 'solana' }, keypair)
  assert.equal(imported.address, base58(pub))
  assert.equal(imported.network, 'solana-devnet')
  const secret = keypair.slice(0, 40) + 'xyz'
  assert.throws(() => admin.importWallet({ name: 'bad', chain: 'solana' }, secret), (e) =>
    refused('VALIDATION_FAILED')(e) && !e.message.includes(secret) && !JSON.stringify(e).includes(secret))

  // BIP-39's all-`abandon` test mnemonic at MetaMask's default path m/44'/60'/0'/0/0.
  const words = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'
  const pending = admin.importMnemonic({ name: 'hd', network: 'ethereum-sepolia' }, words)
  assert.ok(pending instanceof Promise)
  const hd = await pending
  assert.equal(hd.address, '0x9858EfFD232B4033E47d90003D41EC34EcaEda94')
  const wrong = words.replace('about', 'abandon')
  await assert.rejects(admin.importMnemonic({ name: 'hd2', network: 'ethereum-sepolia' }, wrong), (e) =>
    refused('VALIDATION_FAILED')(e) && !e.message.includes('abandon abandon'))
})

test('owners: read, verify with an OwnerSigner, remove', async (t) => {
  const { admin, wallet } = await fundedWallet(t)
  const other = admin.createWallet({ name: 'other', chain: 'solana' })
  assert.equal(admin.owner(wallet.id).state, 'NONE')
  const signer = OwnerSigner.solanaFromBytes(Buffer.alloc(32, 7))
  const set = admin.setOwner(wallet.id, signer.address)
  assert.equal(set.state, 'GRACE')
  const info = admin.owner(wallet.id)
  assert.equal(info.address, signer.address)
  assert.match(info.verificationMessage, /^waiaas owner action: VERIFY/)

  assert.throws(() => admin.verifyOwner(wallet.id, signer.sign('another text'), 'another text'),
    refused('APPROVAL_MESSAGE_MISMATCH'))
  const impostor = OwnerSigner.solanaFromBytes(Buffer.alloc(32, 8))
  assert.throws(() => admin.verifyOwner(wallet.id, impostor.sign(info.verificationMessage), info.verificationMessage),
    refused('INVALID_SIGNATURE'))
  const locked = admin.verifyOwner(wallet.id, signer.sign(info.verificationMessage), info.verificationMessage)
  assert.equal(locked.state, 'LOCKED')
  assert.throws(() => admin.removeOwner(wallet.id), refused('OWNER_ALREADY_CONNECTED'))

  assert.throws(() => admin.removeOwner(other.id), refused('OWNER_NOT_CONNECTED'))
  admin.setOwner(other.id, impostor.address)
  assert.equal(admin.removeOwner(other.id).state, 'NONE')
})

test('policies: list by scope, update, delete, quickset', async (t) => {
  const { admin, wallet } = await fundedWallet(t)
  const global = admin.createPolicy({ type: 'ALLOWED_NETWORKS', rules: { networks: ['solana-devnet'] } })
  const ids = (list) => list.map((p) => p.id).sort()
  const own = admin.policies({ walletId: wallet.id })
  assert.equal(own.length, 1)
  assert.equal(own[0].type, 'SPENDING_LIMIT')
  assert.deepEqual(ids(admin.policies()), ids([...own, global]))
  assert.deepEqual(ids(admin.policies({ scope: 'GLOBAL' })), [global.id])
  assert.deepEqual(ids(admin.policies({ walletId: wallet.id, scope: 'APPLICABLE_TO' })), ids([...own, global]))
  assert.throws(() => admin.policies({ scope: 'APPLICABLE_TO' }), refused('VALIDATION_FAILED'))
  assert.throws(() => admin.policies({ wallet: wallet.id }), refused('VALIDATION_FAILED'))

  const updated = admin.updatePolicy(own[0].id, { rules: { ...LIMIT, instant_max: '1000' }, priority: 5 })
  assert.equal(updated.rules.instant_max, '1000')
  assert.equal(updated.priority, 5)
  assert.equal(updated.revision, own[0].revision + 1)
  assert.throws(() => admin.updatePolicy(own[0].id, { rules: { instant_max: 'x' } }), refused('VALIDATION_FAILED'))
  assert.throws(() => admin.updatePolicy(randomUUID(), { enabled: false }), refused('POLICY_NOT_FOUND'))

  admin.deletePolicy(global.id)
  assert.deepEqual(admin.policies({ scope: 'GLOBAL' }), [])
  assert.throws(() => admin.deletePolicy(global.id), refused('POLICY_NOT_FOUND'))

  const fresh = admin.createWallet({ name: 'fresh', chain: 'solana' })
  const starter = admin.quickset({ walletId: fresh.id, mode: 'testnet' })
  assert.ok(starter.length >= 1)
  assert.ok(starter.every((p) => p.walletId === fresh.id))
  assert.throws(() => admin.quickset({ walletId: randomUUID(), mode: 'testnet' }), refused('WALLET_NOT_FOUND'))
})

test('sessions: list and rotate the signing secret', async (t) => {
  const { admin, wallet } = await fundedWallet(t)
  const other = admin.createWallet({ name: 'other', chain: 'solana' })
  const issued = admin.createSession({ walletId: wallet.id, label: 'bot' })
  admin.createSession({ walletId: other.id })
  assert.equal(admin.sessions().length, 2)
  const mine = admin.sessions(wallet.id)
  assert.deepEqual(mine.map((s) => s.id), [issued.session.id])
  assert.equal(mine[0].label, 'bot')
  assert.throws(() => admin.sessions('not-a-uuid'), refused('VALIDATION_FAILED'))
  // Rotation keeps tokens signed with the previous secret valid for a grace period.
  admin.rotateSessionSecret()
  assert.equal(admin.agent(issued.token).address(), wallet.address)
  const after = admin.createSession({ walletId: wallet.id })
  assert.equal(admin.agent(after.token).address(), wallet.address)
})

test('transactions: filter, read, cancel, reject, processDue', async (t) => {
  const { admin, wallet } = await fundedWallet(t)
  const signer = OwnerSigner.solanaFromBytes(Buffer.alloc(32, 9))
  admin.setOwner(wallet.id, signer.address)
  // Approvals expire after 1 s, so processDue has one to expire.
  admin.setSettings({ ...admin.settings(), approvalTimeoutSecs: 1 })
  const agent = admin.agent(admin.createSession({ walletId: wallet.id }).token)
  const signed = await agent.send(transfer('0.01'))
  const queued = await agent.send(transfer('0.6'))
  const pending = await agent.send(transfer('2'))
  const expiring = await agent.send(transfer('3'))
  assert.deepEqual([signed.status, queued.status, pending.status, expiring.status],
    ['SIGNED', 'QUEUED', 'PENDING_APPROVAL', 'PENDING_APPROVAL'])

  assert.equal(admin.transactions().length, 4)
  assert.deepEqual(admin.transactions({ walletId: wallet.id, statuses: ['QUEUED'] }).map((tx) => tx.id), [queued.id])
  assert.equal(admin.transactions({ limit: 1 }).length, 1)
  assert.throws(() => admin.transactions({ statuses: ['NOPE'] }), refused('VALIDATION_FAILED'))
  assert.throws(() => admin.transactions({ status: 'QUEUED' }), refused('VALIDATION_FAILED'))

  assert.equal(admin.transaction(signed.id).result.txHash, signed.result.txHash)
  assert.throws(() => admin.transaction(randomUUID()), refused('TX_NOT_FOUND'))

  assert.equal(admin.cancelTransaction(queued.id).status, 'CANCELLED')
  assert.throws(() => admin.cancelTransaction(queued.id), refused('TX_ALREADY_PROCESSED'))
  assert.equal(admin.rejectTransaction(pending.id).status, 'REJECTED')
  assert.throws(() => admin.rejectTransaction(signed.id), refused('TX_ALREADY_PROCESSED'))

  await sleep(2100)
  const due = admin.processDue()
  assert.ok(due instanceof Promise)
  const processed = await due
  assert.deepEqual(processed.map((tx) => [tx.id, tx.status]), [[expiring.id, 'EXPIRED']])
  assert.equal(admin.transaction(expiring.id).status, 'EXPIRED')
  admin.close()
  await assert.rejects(admin.processDue(), refused('VAULT_LOCKED'))
})

test('kill switch: state, escalate, recover; the owner triggers it with a signed text', async (t) => {
  const { admin, wallet } = await fundedWallet(t)
  assert.equal(admin.killSwitchState(), 'ACTIVE')
  assert.throws(() => admin.escalateKillSwitch('why'), refused('VALIDATION_FAILED'))
  assert.throws(() => admin.recoverKillSwitch(), refused('VALIDATION_FAILED'))

  const signer = OwnerSigner.solanaFromBytes(Buffer.alloc(32, 11))
  admin.setOwner(wallet.id, signer.address)
  const owner = admin.ownerActions()
  const text = owner.killSwitchMessage(wallet.id)
  assert.match(text, /^waiaas owner action: KILL_SWITCH\nwallet: /)
  const impostor = OwnerSigner.solanaFromBytes(Buffer.alloc(32, 12))
  assert.throws(() => owner.killSwitch(impostor.sign(text), text), refused('INVALID_SIGNATURE'))
  assert.throws(() => owner.killSwitchMessage('nope'), refused('VALIDATION_FAILED'))
  const report = owner.killSwitch(signer.sign(text), text)
  assert.equal(report.state, 'SUSPENDED')
  assert.equal(report.changed, true)
  assert.equal(report.walletsSuspended, 1)
  assert.equal(admin.killSwitchState(), 'SUSPENDED')

  assert.equal(admin.escalateKillSwitch('still bad'), 'LOCKED')
  assert.equal(admin.recoverKillSwitch(), 'ACTIVE')
  assert.equal(admin.wallet(wallet.id).status, 'SUSPENDED') // resumed one by one
})

test('audit log: records, filter, head, verification', async (t) => {
  const { admin, wallet } = await fundedWallet(t)
  const all = admin.auditLog()
  assert.equal(all[0].event, 'VAULT_CREATED')
  assert.deepEqual(all.map((r) => r.seq), all.map((_, i) => i + 1))
  const mine = admin.auditLog({ walletId: wallet.id })
  assert.ok(mine.length >= 2)
  assert.ok(mine.every((r) => r.walletId === wallet.id))
  assert.deepEqual(admin.auditLog({ event: 'WALLET_CREATED' }).map((r) => r.walletId), [wallet.id])
  assert.equal(admin.auditLog({ after: 1, limit: 1 })[0].seq, 2)
  assert.throws(() => admin.auditLog({ walletId: 'nope' }), refused('VALIDATION_FAILED'))
  // A misspelt field is refused rather than ignored (which would return every record).
  assert.throws(() => admin.auditLog({ wallet: wallet.id }), refused('VALIDATION_FAILED'))

  const head = admin.auditHead()
  assert.equal(head.seq, admin.auditLog().at(-1).seq)
  const verification = admin.verifyAuditLog()
  assert.equal(verification.firstBroken, null)
  assert.equal(verification.truncated, false)
  assert.ok(verification.entries >= head.seq)
  admin.close()
  assert.throws(() => admin.auditHead(), refused('VAULT_LOCKED'))
})

test('settings: read and replace; Rust refuses a zero timeout', async (t) => {
  const { admin, wallet } = await fundedWallet(t)
  const settings = admin.settings()
  assert.equal(typeof settings.approvalTimeoutSecs, 'number')
  admin.setSettings({ ...settings, maxSessionsPerWallet: 1 })
  assert.equal(admin.settings().maxSessionsPerWallet, 1)
  admin.createSession({ walletId: wallet.id })
  assert.throws(() => admin.createSession({ walletId: wallet.id }), refused('SESSION_LIMIT_EXCEEDED'))
  assert.throws(() => admin.setSettings({ ...settings, approvalTimeoutSecs: 0 }), refused('VALIDATION_FAILED'))
  assert.throws(() => admin.setSettings({ ...settings, colour: 'red' }), refused('VALIDATION_FAILED'))
})

test('changePassword runs off the main thread; the new password opens the vault', async (t) => {
  const { dir, admin } = await createVault(t)
  const next = 'a new and longer master password'
  await assert.rejects(admin.changePassword('wrong password', next), refused('INVALID_MASTER_PASSWORD'))
  const changing = admin.changePassword(PASSWORD, next)
  assert.ok(changing instanceof Promise)
  assert.equal(await changing, null)
  admin.close()
  await assert.rejects(Waiaas.open(dir, PASSWORD, TEST_CONFIG), refused('INVALID_MASTER_PASSWORD'))
  const again = await Waiaas.open(dir, next, TEST_CONFIG)
  again.close()
})

test('createAutoProvisioned writes recovery.key (0600); open reads it', async (t) => {
  const dir = tempDir(t)
  const admin = await Waiaas.createAutoProvisioned(dir, TEST_CONFIG)
  const file = join(dir, 'recovery.key')
  assert.equal(statSync(file).mode & 0o777, 0o600)
  const password = readFileSync(file, 'utf8').trim()
  assert.match(password, /^[0-9a-f]{64}$/)
  admin.close()
  const fromFile = await Waiaas.open(dir, null, TEST_CONFIG)
  fromFile.close()
  const explicit = await Waiaas.open(dir, password, TEST_CONFIG)
  explicit.close()
  // recovery.key is never overwritten.
  await assert.rejects(Waiaas.createAutoProvisioned(dir, TEST_CONFIG), (e) =>
    refused('STORAGE_ERROR')(e) && /recovery\.key/.test(e.message) && !e.message.includes(password))
  assert.equal(readFileSync(file, 'utf8').trim(), password)
})
