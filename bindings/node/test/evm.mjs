// An independent EVM verifier for the tests, in plain JS (BigInt) so no check of a
// secp256k1 signature goes through waiaas: Keccak-256, public-key recovery from
// (r, s, v), addresses, EIP-191 and EIP-712 digests. Slow and not constant-time:
// for verifying test answers only.

const MASK = (1n << 64n) - 1n
const RC = [
  0x0000000000000001n, 0x0000000000008082n, 0x800000000000808an, 0x8000000080008000n,
  0x000000000000808bn, 0x0000000080000001n, 0x8000000080008081n, 0x8000000000008009n,
  0x000000000000008an, 0x0000000000000088n, 0x0000000080008009n, 0x000000008000000an,
  0x000000008000808bn, 0x800000000000008bn, 0x8000000000008089n, 0x8000000000008003n,
  0x8000000000008002n, 0x8000000000000080n, 0x000000000000800an, 0x800000008000000an,
  0x8000000080008081n, 0x8000000000008080n, 0x0000000080000001n, 0x8000000080008008n,
]
// ROT[x][y]: the ρ offsets.
const ROT = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]]
const rotl = (v, n) => (n === 0 ? v : ((v << BigInt(n)) | (v >> BigInt(64 - n))) & MASK)

function keccakF(a) {
  for (const rc of RC) {
    const c = [0, 1, 2, 3, 4].map((x) => a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20])
    for (let x = 0; x < 5; x++) {
      const d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1)
      for (let y = 0; y < 5; y++) a[x + 5 * y] ^= d
    }
    const b = new Array(25)
    for (let x = 0; x < 5; x++) {
      for (let y = 0; y < 5; y++) b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], ROT[x][y])
    }
    for (let x = 0; x < 5; x++) {
      for (let y = 0; y < 5; y++) {
        a[x + 5 * y] = b[x + 5 * y] ^ (~b[((x + 1) % 5) + 5 * y] & MASK & b[((x + 2) % 5) + 5 * y])
      }
    }
    a[0] ^= rc
  }
}

/** Keccak-256 (Ethereum's, not SHA3-256) of bytes. */
export function keccak256(data) {
  const rate = 136
  const bytes = Buffer.from(data)
  const padded = Buffer.alloc((Math.floor(bytes.length / rate) + 1) * rate)
  bytes.copy(padded)
  padded[bytes.length] ^= 0x01
  padded[padded.length - 1] ^= 0x80
  const a = new Array(25).fill(0n)
  for (let off = 0; off < padded.length; off += rate) {
    for (let i = 0; i < rate / 8; i++) a[i] ^= padded.readBigUInt64LE(off + 8 * i)
    keccakF(a)
  }
  const out = Buffer.alloc(32)
  for (let i = 0; i < 4; i++) out.writeBigUInt64LE(a[i], 8 * i)
  return out
}

const P = 2n ** 256n - 2n ** 32n - 977n
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const G = [
  0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n,
  0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n,
]
const mod = (a, m) => ((a % m) + m) % m
function pow(b, e, m) {
  let r = 1n
  b = mod(b, m)
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m
    b = (b * b) % m
    e >>= 1n
  }
  return r
}
const inv = (a, m) => pow(a, m - 2n, m)

function add(p1, p2) {
  if (p1 === null) return p2
  if (p2 === null) return p1
  const [x1, y1] = p1
  const [x2, y2] = p2
  if (x1 === x2 && mod(y1 + y2, P) === 0n) return null
  const l = x1 === x2 ? mod(3n * x1 * x1 * inv(2n * y1, P), P) : mod((y2 - y1) * inv(x2 - x1, P), P)
  const x3 = mod(l * l - x1 - x2, P)
  return [x3, mod(l * (x1 - x3) - y1, P)]
}

function mul(k, point) {
  let r = null
  let q = point
  for (let e = mod(k, N); e > 0n; e >>= 1n) {
    if (e & 1n) r = add(r, q)
    q = add(q, q)
  }
  return r
}

const big = (bytes) => BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'))
const word = (n) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex')

/** The address whose key made the 65-byte `r ‖ s ‖ v` signature over `digest`. */
export function recoverAddress(digest, signature) {
  const sig = Buffer.from(signature.replace(/^0x/, ''), 'hex')
  if (sig.length !== 65) throw new Error(`a signature is 65 bytes, not ${sig.length}`)
  const r = big(sig.subarray(0, 32))
  const s = big(sig.subarray(32, 64))
  const v = sig[64] >= 27 ? sig[64] - 27 : sig[64]
  if (r === 0n || r >= N || s === 0n || s > N / 2n) throw new Error('r or s out of range (high s)')
  let y = pow(mod(r ** 3n + 7n, P), (P + 1n) / 4n, P)
  if ((y & 1n) !== BigInt(v & 1)) y = P - y
  const e = mod(big(digest), N)
  const rInv = inv(r, N)
  const q = add(mul(mod(s * rInv, N), [r, y]), mul(mod(-e * rInv, N), G))
  return address(q)
}

function address([x, y]) {
  return '0x' + keccak256(Buffer.concat([word(x), word(y)])).subarray(12).toString('hex')
}

/** EIP-191 `personal_sign` digest of a UTF-8 text. */
export function eip191Digest(text) {
  const body = Buffer.from(text, 'utf8')
  return keccak256(Buffer.concat([Buffer.from(`\x19Ethereum Signed Message:\n${body.length}`), body]))
}

// EIP-712 for the atomic types the tests use (string, address, uintN) and structs.
function encodeType(types, primary) {
  const deps = new Set()
  const walk = (t) => {
    for (const f of types[t]) if (types[f.type] && !deps.has(f.type)) { deps.add(f.type); walk(f.type) }
  }
  walk(primary)
  deps.delete(primary)
  return [primary, ...[...deps].sort()].map((t) => `${t}(${types[t].map((f) => `${f.type} ${f.name}`).join(',')})`).join('')
}

function hashStruct(types, type, value) {
  const fields = types[type].map((f) => {
    const v = value[f.name]
    if (types[f.type]) return hashStruct(types, f.type, v)
    if (f.type === 'string') return keccak256(Buffer.from(v, 'utf8'))
    if (f.type === 'address') return word(BigInt(v))
    if (/^uint\d+$/.test(f.type)) return word(BigInt(v))
    throw new Error(`type ${f.type} is not supported by this test verifier`)
  })
  return keccak256(Buffer.concat([keccak256(Buffer.from(encodeType(types, type))), ...fields]))
}

/** The EIP-712 digest of `eth_signTypedData_v4` typed data. */
export function eip712Digest({ types, primaryType, domain, message }) {
  return keccak256(Buffer.concat([
    Buffer.from([0x19, 0x01]),
    hashStruct(types, 'EIP712Domain', domain),
    hashStruct(types, primaryType, message),
  ]))
}
