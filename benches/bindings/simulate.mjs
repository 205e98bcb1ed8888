// `Agent.simulate` of an INSTANT Solana transfer through the Node binding, on the
// set-up of the Rust bench (`cargo bench -p waiaas-benches --bench simulate`); the
// difference of the two is what the binding adds per call (target ≤ 5 µs).
//
// Usage: node benches/bindings/simulate.mjs [N]  (default 20 000 calls; docs/PERFORMANCE.md)
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Waiaas } from '../../bindings/node/index.mjs'

const SETUP = JSON.parse(readFileSync(join(import.meta.dirname, 'setup.json'), 'utf8'))
const n = Number(process.argv[2] ?? 20_000)

function percentiles(name, call) {
  for (let i = 0; i < Math.floor(n / 10); i++) call()
  const samples = new Array(n)
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint()
    call()
    samples[i] = Number(process.hrtime.bigint() - start)
  }
  samples.sort((a, b) => a - b)
  const at = (q) => samples[Math.min(Math.floor((n * q) / 100), n - 1)] / 1000
  const mean = samples.reduce((a, b) => a + b, 0) / n / 1000
  console.log(`${name}: p50 ${at(50).toFixed(1)} µs  p99 ${at(99).toFixed(1)} µs  mean ${mean.toFixed(1)} µs  (n = ${n})`)
}

const home = mkdtempSync(join(tmpdir(), 'waiaas-bench-'))
try {
  const admin = await Waiaas.create(join(home, 'v'), SETUP.password, SETUP.config, { prices: SETUP.prices })
  const wallet = admin.createWallet({ name: 'bench', network: SETUP.network })
  admin.createPolicy({ ...SETUP.policy, walletId: wallet.id })
  const agent = admin.agent(admin.createSession({ walletId: wallet.id }).token)
  assert.equal(agent.simulate(SETUP.request).tier, 'INSTANT')
  percentiles('simulate_node', () => agent.simulate(SETUP.request))
  agent.close()
  admin.close()
} finally {
  rmSync(home, { recursive: true, force: true })
}
