// Shared set-up of the node:test suites: a temp vault with the insecure test KDF
// (`Config::for_tests`), and an owner key made with node:crypto (never with waiaas).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto'

import { Waiaas } from '../index.mjs'

export const TEST_CONFIG = {
  kdf: { insecureTestProfile: true, memoryKib: 65536, iterations: 3, parallelism: 4 },
  allowInsecureKdf: true,
}
export const PASSWORD = 'correct horse battery staple'
export const RECIPIENT = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM'
export const BLOCKHASH = 'GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi'
export const BONK_MINT = 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263'

export function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'waiaas-node-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'vault')
}

export async function createVault(t, options) {
  const dir = tempDir(t)
  const admin = await Waiaas.create(dir, PASSWORD, TEST_CONFIG, options)
  t.after(() => admin.close())
  return { dir, admin }
}

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

export function base58(bytes) {
  let n = BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'))
  let out = ''
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out
    n /= 58n
  }
  for (const b of bytes) {
    if (b !== 0) break
    out = '1' + out
  }
  return out
}

export function unbase58(text) {
  let n = 0n
  for (const c of text) {
    const d = ALPHABET.indexOf(c)
    if (d < 0) throw new Error(`not base58: ${c}`)
    n = n * 58n + BigInt(d)
  }
  const hex = n === 0n ? '' : n.toString(16)
  const body = Buffer.from(hex.length % 2 ? '0' + hex : hex, 'hex')
  const zeros = text.length - text.replace(/^1+/, '').length
  return Buffer.concat([Buffer.alloc(zeros), body])
}

/** The node:crypto public key of a Solana address (for independent Ed25519 checks). */
export function solanaPublicKey(address) {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: unbase58(address).toString('base64url') }, format: 'jwk' })
}

/** A Solana owner: Ed25519 key pair from node:crypto; address = base58 public key. */
export function ownerKey() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url')
  return {
    address: base58(raw),
    /** Hex of the 64-byte Ed25519 signature over the UTF-8 text. */
    sign: (text) => sign(null, Buffer.from(text, 'utf8'), privateKey).toString('hex'),
  }
}

export const transfer = (humanAmount, extra = {}) => ({
  type: 'TRANSFER',
  to: RECIPIENT,
  humanAmount,
  chain: { recentBlockhash: BLOCKHASH },
  ...extra,
})
