// One worker of test/workers.test.mjs: its own handle on the shared vault directory
// (its own Argon2id unlock and SQLite connection), then `sends` concurrent sends once
// every worker is ready (a shared-memory barrier), answering with the results.
import { parentPort, workerData } from 'node:worker_threads'

import { Waiaas } from '../../index.mjs'

const { dir, password, config, options, token, sends, transfer, barrier, workers } = workerData
const admin = await Waiaas.open(dir, password, config, options)
const agent = admin.agent(token)
const gate = new Int32Array(barrier)
Atomics.add(gate, 0, 1)
while (Atomics.load(gate, 0) < workers) Atomics.wait(gate, 0, Atomics.load(gate, 0), 10)
const settled = await Promise.allSettled(Array.from({ length: sends }, () => agent.send(transfer)))
parentPort.postMessage(settled.map((s) => (s.status === 'fulfilled'
  ? { status: s.value.status, tier: s.value.tier }
  : { error: s.reason.code, message: s.reason.message })))
admin.close()
