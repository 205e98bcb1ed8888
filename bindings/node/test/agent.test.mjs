// The agent's surface beyond `send`: wallets, balance (through a local JSON-RPC server),
// message / typed-data / raw-transaction signing — every signature checked by a
// verifier outside waiaas (node:crypto Ed25519 for Solana; public-key recovery in
// test/evm.mjs for EVM) — one transaction, and renewal.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { randomUUID, verify } from 'node:crypto'

import { Waiaas } from '../index.mjs'
import { BLOCKHASH, PASSWORD, RECIPIENT, TEST_CONFIG, createVault, solanaPublicKey, tempDir, transfer, unbase58 } from './helpers.mjs'
import { eip191Digest, eip712Digest, keccak256, recoverAddress } from './evm.mjs'

const refused = (code) => (e) => {
  assert.equal(e.code, code, e.message)
  return true
}

const LIMIT = { instant_max: '100000000', delay_max: '1000000000', delay_seconds: 900 }
const ALL_PERMISSIONS = ['TRANSACTION', 'BALANCE_READ', 'SIGN_MESSAGE', 'SIGN_TYPED_DATA']
const MAIL_CONTRACT = '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC'
// EIP-712's own example, on the wallet's chain (Sepolia).
const MAIL = {
  types: {
    EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'version', type: 'string' }, { name: 'chainId', type: 'uint256' }, { name: 'verifyingContract', type: 'address' }],
    Person: [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'address' }],
    Mail: [{ name: 'from', type: 'Person' }, { name: 'to', type: 'Person' }, { name: 'contents', type: 'string' }],
  },
  primaryType: 'Mail',
  domain: { name: 'Ether Mail', version: '1', chainId: 11155111, verifyingContract: MAIL_CONTRACT },
  message: {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    contents: 'Hello, Bob!',
  },
}

async function setUp(t, permissions = ALL_PERMISSIONS, options) {
  const { admin } = await createVault(t, options)
  const sol = admin.createWallet({ name: 'sol', chain: 'solana' })
  const evm = admin.createWallet({ name: 'evm', network: 'ethereum-sepolia' })
  for (const w of [sol, evm]) admin.createPolicy({ walletId: w.id, type: 'SPENDING_LIMIT', rules: LIMIT })
  admin.createPolicy({ walletId: evm.id, type: 'CONTRACT_WHITELIST', rules: { contracts: [{ address: MAIL_CONTRACT, typed_data: ['Mail'] }] } })
  const agent = admin.agent(admin.createSession({ walletIds: [sol.id, evm.id], permissions }).token)
  return { admin, sol, evm, agent }
}

test('the verifier itself: Keccak-256 and EIP-712 known answers, recovery of the spec signature', () => {
  assert.equal(keccak256(Buffer.alloc(0)).toString('hex'), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
  const spec = { ...MAIL, domain: { ...MAIL.domain, chainId: 1 } }
  assert.equal(eip712Digest(spec).toString('hex'), 'be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2')
  const cow = '0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b915621c'
  assert.equal(recoverAddress(eip712Digest(spec), cow), '0xcd2a3d9f938e13cd947ec05abc7fe734df8dd826')
})

test('wallets and transaction', async (t) => {
  const { sol, evm, agent } = await setUp(t)
  assert.deepEqual(agent.wallets().sort(), [sol.id, evm.id].sort())
  const tx = await agent.send(transfer('0.01', { walletId: sol.id }))
  assert.deepEqual(agent.transaction(tx.id), tx)
  assert.throws(() => agent.transaction(randomUUID()), refused('TX_NOT_FOUND'))
  // Several wallets: the agent must say which one.
  await assert.rejects(agent.send(transfer('0.01')), refused('VALIDATION_FAILED'))
})

test('balance: read through config.rpcUrls, off the main thread', async (t) => {
  const calls = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => {
      const call = JSON.parse(body)
      calls.push(call)
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ jsonrpc: '2.0', id: call.id, result: { context: { slot: 1 }, value: 1500000000 } }))
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  const dir = tempDir(t)
  const config = { ...TEST_CONFIG, rpcUrls: { 'solana-devnet': `http://127.0.0.1:${server.address().port}` } }
  const admin = await Waiaas.create(dir, PASSWORD, config)
  t.after(() => admin.close())
  const wallet = admin.createWallet({ name: 'funded', chain: 'solana' })
  const agent = admin.agent(admin.createSession({ walletId: wallet.id }).token)
  const pending = agent.balance()
  assert.ok(pending instanceof Promise)
  const balance = await pending
  assert.deepEqual(balance, { walletId: wallet.id, network: 'solana-devnet', amount: '1500000000', formatted: '1.5', symbol: 'SOL' })
  assert.equal(calls[0].method, 'getBalance')
  assert.equal(calls[0].params[0], wallet.address)

  // Without a chain client for the network: a typed refusal.
  const { agent: offline, sol } = await setUp(t)
  await assert.rejects(offline.balance(sol.id), refused('CHAIN_CLIENT_REQUIRED'))
})

test('signMessage: Ed25519 over the off-chain envelope (Solana), EIP-191 (EVM)', async (t) => {
  const { sol, evm, agent } = await setUp(t)
  const solana = await agent.signMessage({ walletId: sol.id, message: 'hello from node' })
  assert.equal(solana.status, 'SIGNED')
  const envelope = Buffer.from(solana.result.signedMessage.slice(2), 'hex')
  assert.ok(envelope.subarray(0, 16).equals(Buffer.from('\xffsolana offchain', 'latin1')))
  assert.ok(envelope.subarray(-15).equals(Buffer.from('hello from node')))
  assert.ok(verify(null, envelope, solanaPublicKey(sol.address), unbase58(solana.result.signature)))
  assert.ok(!verify(null, Buffer.from('hello from node'), solanaPublicKey(sol.address), unbase58(solana.result.signature)))

  const text = 'hello from node on sepolia'
  const eth = await agent.signMessage({ walletId: evm.id, message: text })
  assert.equal(recoverAddress(eip191Digest(text), eth.result.signature), evm.address.toLowerCase())
  const hex = await agent.signMessage({ walletId: evm.id, message: '0x' + Buffer.from(text).toString('hex'), encoding: 'hex' })
  assert.equal(recoverAddress(eip191Digest(text), hex.result.signature), evm.address.toLowerCase())

  // A text that reads like an owner action is never signed for an agent.
  await assert.rejects(agent.signMessage({ walletId: sol.id, message: 'waiaas owner action: APPROVE' }), refused('VALIDATION_FAILED'))
  const { agent: limited, sol: sol2 } = await setUp(t, ['TRANSACTION', 'BALANCE_READ'])
  await assert.rejects(limited.signMessage({ walletId: sol2.id, message: 'hi' }), refused('PERMISSION_DENIED'))
})

test('signTypedData: EIP-712 digest recovered to the wallet; an unlisted contract denied', async (t) => {
  const { evm, agent } = await setUp(t)
  const pending = agent.signTypedData({ walletId: evm.id, typedData: MAIL })
  assert.ok(pending instanceof Promise)
  const signed = await pending
  assert.equal(signed.kind, 'SIGN_TYPED_DATA')
  assert.equal(recoverAddress(eip712Digest(MAIL), signed.result.signature), evm.address.toLowerCase())
  // The same as JSON text.
  const again = await agent.signTypedData({ walletId: evm.id, typedData: JSON.stringify(MAIL) })
  assert.equal(recoverAddress(eip712Digest(MAIL), again.result.signature), evm.address.toLowerCase())

  const elsewhere = { ...MAIL, domain: { ...MAIL.domain, verifyingContract: '0x1111111111111111111111111111111111111111' } }
  await assert.rejects(agent.signTypedData({ walletId: evm.id, typedData: elsewhere }), refused('POLICY_DENIED'))
  const { agent: limited, evm: evm2 } = await setUp(t, ['TRANSACTION', 'BALANCE_READ'])
  await assert.rejects(limited.signTypedData({ walletId: evm2.id, typedData: MAIL }), refused('PERMISSION_DENIED'))
})

/** An unsigned legacy Solana transfer (`payer` → `to`), as base64 wire bytes. */
function unsignedTransfer(payer, to, lamports) {
  const data = Buffer.alloc(12)
  data.writeUInt32LE(2, 0) // SystemInstruction::Transfer
  data.writeBigUInt64LE(BigInt(lamports), 4)
  const message = Buffer.concat([
    Buffer.from([1, 0, 1]), // one signer; the system program read-only
    Buffer.from([3]), unbase58(payer), unbase58(to), Buffer.alloc(32),
    unbase58(BLOCKHASH),
    Buffer.from([1, 2, 2, 0, 1, data.length]), data,
  ])
  return { message, wire: Buffer.concat([Buffer.from([1]), Buffer.alloc(64), message]).toString('base64') }
}

test('signTransaction: the exact bytes given are judged and signed (Ed25519 checked)', async (t) => {
  const { sol, agent } = await setUp(t)
  const { message, wire } = unsignedTransfer(sol.address, RECIPIENT, 50_000_000)
  const signed = await agent.signTransaction({ walletId: sol.id, transaction: wire })
  assert.equal(signed.status, 'SIGNED')
  assert.equal(signed.tier, 'INSTANT')
  const bytes = Buffer.from(signed.result.signedTransaction, 'base64')
  assert.equal(bytes[0], 1)
  assert.ok(bytes.subarray(65).equals(message), 'the message signed is the one given')
  assert.ok(verify(null, message, solanaPublicKey(sol.address), bytes.subarray(1, 65)))

  // 5 SOL is above delay_max: the decoded transfer is judged like a send.
  const big = unsignedTransfer(sol.address, RECIPIENT, 5_000_000_000)
  assert.equal((await agent.signTransaction({ walletId: sol.id, transaction: big.wire })).tier, 'APPROVAL')
  await assert.rejects(agent.signTransaction({ walletId: sol.id, transaction: 'AAAA' }), refused('INVALID_TRANSACTION'))
  await assert.rejects(agent.signTransaction({ walletId: sol.id, tx: wire }), refused('VALIDATION_FAILED'))
})

test('renew: too early is refused; a closed handle is VAULT_LOCKED', async (t) => {
  const { agent } = await setUp(t)
  assert.throws(() => agent.renew(), (e) => refused('RENEWAL_TOO_EARLY')(e) && e.retryAfter > 0)
  agent.close()
  assert.throws(() => agent.renew(), refused('VAULT_LOCKED'))
  await assert.rejects(agent.balance(), refused('VAULT_LOCKED'))
})
