// OwnerSigner (the owner's side, waiaas::owner::OwnerSigner) and the owner actions it
// proves: its keys and signatures checked outside waiaas (node:crypto Ed25519; public-key
// recovery in test/evm.mjs), its signatures accepted by Owner.approve / cancelDelayed, a
// wrong signer refused, and no secret in what JS can print.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createPrivateKey, createPublicKey, verify } from 'node:crypto'
import { inspect } from 'node:util'

import { OwnerSigner } from '../index.mjs'
import { base58, createVault, solanaPublicKey, transfer, unbase58 } from './helpers.mjs'
import { eip191Digest, recoverAddress } from './evm.mjs'

const refused = (code) => (e) => {
  assert.equal(e.code, code, e.message)
  return true
}

const SEED = Buffer.alloc(32, 42)
// web3.js's documented example key and its address.
const EVM_KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'
const EVM_ADDRESS = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23'

test('Solana OwnerSigner: the address of the seed, signatures node:crypto verifies, every key form', () => {
  // The public key node:crypto derives from the same seed (PKCS#8 around the raw seed).
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), SEED])
  const pub = Buffer.from(createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ format: 'jwk' }).x, 'base64url')
  const signer = OwnerSigner.solanaFromBytes(SEED)
  assert.equal(signer.address, base58(pub))
  const keypair = Buffer.concat([SEED, pub])
  assert.equal(OwnerSigner.solanaFromBase58(base58(keypair)).address, signer.address)
  assert.equal(OwnerSigner.solanaFromKeypairJson(JSON.stringify([...keypair])).address, signer.address)
  assert.equal(OwnerSigner.solanaFromBytes(keypair).address, signer.address)

  const text = 'waiaas owner action: APPROVE\nexample'
  const signature = unbase58(signer.sign(text))
  assert.equal(signature.length, 64)
  assert.ok(verify(null, Buffer.from(text), solanaPublicKey(signer.address), signature))
  assert.ok(!verify(null, Buffer.from(text + '!'), solanaPublicKey(signer.address), signature))

  // A keypair whose halves disagree, a wrong length: refused, the key never echoed.
  const mismatched = Buffer.concat([SEED, Buffer.alloc(32, 1)])
  assert.throws(() => OwnerSigner.solanaFromBytes(mismatched), refused('VALIDATION_FAILED'))
  assert.throws(() => OwnerSigner.solanaFromBytes(Buffer.alloc(31, 5)), refused('VALIDATION_FAILED'))
  const secret = base58(mismatched)
  assert.throws(() => OwnerSigner.solanaFromBase58(secret), (e) => refused('VALIDATION_FAILED')(e) && !e.message.includes(secret))
  assert.throws(() => OwnerSigner.solanaFromKeypairJson('[1, 2'), refused('VALIDATION_FAILED'))
})

test('EVM OwnerSigner: a known key\'s EIP-55 address; EIP-191 signatures recover to it', () => {
  const signer = OwnerSigner.evmFromHex(EVM_KEY)
  assert.equal(signer.address, EVM_ADDRESS)
  assert.equal(OwnerSigner.evmFromHex(EVM_KEY.slice(2)).address, EVM_ADDRESS)
  const text = 'waiaas owner action: REJECT\nexample'
  assert.equal(recoverAddress(eip191Digest(text), signer.sign(text)), EVM_ADDRESS.toLowerCase())
  assert.throws(() => OwnerSigner.evmFromHex('0x' + '00'.repeat(32)), refused('VALIDATION_FAILED'))
  assert.throws(() => OwnerSigner.evmFromHex('0x1234'), (e) => refused('VALIDATION_FAILED')(e) && !e.message.includes('1234'))
})

test('no secret in what JS can print of an OwnerSigner', () => {
  const signer = OwnerSigner.evmFromHex(EVM_KEY)
  const secretHex = EVM_KEY.slice(2)
  for (const shown of [String(signer), `${signer}`, JSON.stringify(signer), inspect(signer, { showHidden: true, depth: 5 })]) {
    assert.ok(!shown.toLowerCase().includes(secretHex), shown)
  }
  assert.equal(String(signer), `OwnerSigner(${EVM_ADDRESS})`)
  assert.deepEqual(JSON.parse(JSON.stringify(signer)), { address: EVM_ADDRESS })
  const solana = OwnerSigner.solanaFromBytes(SEED)
  for (const shown of [String(solana), JSON.stringify(solana), inspect(solana, { showHidden: true })]) {
    assert.ok(!shown.includes(base58(SEED)) && !shown.includes(SEED.toString('hex')), shown)
  }
})

test('Owner.approve accepts an OwnerSigner signature (Solana and EVM); a wrong signer is refused', async (t) => {
  const { admin } = await createVault(t)
  const sol = admin.createWallet({ name: 'sol', chain: 'solana' })
  const evm = admin.createWallet({ name: 'evm', network: 'ethereum-sepolia' })
  admin.createPolicy({ walletId: sol.id, type: 'SPENDING_LIMIT', rules: { instant_max: '100000000', delay_max: '1000000000', delay_seconds: 900 } })
  admin.createPolicy({ walletId: evm.id, type: 'SPENDING_LIMIT', rules: { instant_max: '1000000000000000', delay_max: '10000000000000000', delay_seconds: 900 } })
  const solOwner = OwnerSigner.solanaFromBytes(SEED)
  const evmOwner = OwnerSigner.evmFromHex(EVM_KEY)
  admin.setOwner(sol.id, solOwner.address)
  admin.setOwner(evm.id, evmOwner.address)
  const agent = admin.agent(admin.createSession({ walletIds: [sol.id, evm.id] }).token)
  const owner = admin.ownerActions()

  const solTx = await agent.send(transfer('2', { walletId: sol.id }))
  const evmTx = await agent.send({
    type: 'TRANSFER', walletId: evm.id, to: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB', humanAmount: '1',
    chain: { nonce: 0, maxFeePerGas: '1', maxPriorityFeePerGas: '1' },
  })
  for (const [tx, signer, impostor] of [[solTx, solOwner, OwnerSigner.solanaFromBytes(Buffer.alloc(32, 43))], [evmTx, evmOwner, OwnerSigner.evmFromHex('0x' + '11'.repeat(32))]]) {
    assert.equal(tx.status, 'PENDING_APPROVAL')
    const { approveMessage } = owner.approvalRequest(tx.id)
    await assert.rejects(owner.approve(tx.id, impostor.sign(approveMessage), approveMessage), refused('INVALID_SIGNATURE'))
    const approved = await owner.approve(tx.id, signer.sign(approveMessage), approveMessage)
    assert.equal(approved.status, 'SIGNED')
  }
})

test('Owner.cancelDelayed with the owner\'s signature over the cancel text', async (t) => {
  const { admin } = await createVault(t)
  const wallet = admin.createWallet({ name: 'sol', chain: 'solana' })
  admin.createPolicy({ walletId: wallet.id, type: 'SPENDING_LIMIT', rules: { instant_max: '100000000', delay_max: '1000000000', delay_seconds: 900 } })
  const signer = OwnerSigner.solanaFromBytes(SEED)
  admin.setOwner(wallet.id, signer.address)
  const agent = admin.agent(admin.createSession({ walletId: wallet.id }).token)
  const queued = await agent.send(transfer('0.5'))
  assert.equal(queued.status, 'QUEUED')
  const owner = admin.ownerActions()
  const { cancelMessage, approveMessage } = owner.approvalRequest(queued.id)
  assert.equal(approveMessage, null)
  const impostor = OwnerSigner.solanaFromBytes(Buffer.alloc(32, 44))
  assert.throws(() => owner.cancelDelayed(queued.id, impostor.sign(cancelMessage), cancelMessage), refused('INVALID_SIGNATURE'))
  assert.equal(owner.cancelDelayed(queued.id, signer.sign(cancelMessage), cancelMessage).status, 'CANCELLED')
  assert.throws(() => owner.cancelDelayed(queued.id, signer.sign(cancelMessage), cancelMessage), refused('TX_ALREADY_PROCESSED'))
})
