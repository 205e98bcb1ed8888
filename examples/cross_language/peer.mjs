// The Node side of the cross-language test: one JSON command per line on stdin, one
// JSON answer per line on stdout (the protocol of examples/cross_language.rs).
import { createInterface } from 'node:readline'

import { Waiaas } from '../../bindings/node/index.mjs'

let admin = null
const agents = new Map()

async function run(command) {
  switch (command.op) {
    case 'open':
      admin = await Waiaas.open(command.dir, command.password, command.config)
      return {}
    case 'issue':
      return { session: admin.createSession(command.session) }
    case 'agent':
      agents.set(command.name, admin.agent(command.token))
      return {}
    case 'simulate':
      return { decision: agents.get(command.name).simulate(command.request) }
    case 'revoke':
      admin.revokeSession(command.sessionId)
      return {}
    default:
      return { ok: false, code: 'BAD_COMMAND', message: `unknown op ${command.op}` }
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  let answer
  try {
    answer = { ok: true, ...(await run(JSON.parse(line))) }
  } catch (e) {
    if (typeof e?.code !== 'string') throw e
    answer = { ok: false, code: e.code, message: e.message }
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`)
}
