// A typed agent host: checked by `tsc --noEmit` against the committed index.d.ts.
// Run the same flow as JavaScript in test/flow.test.mjs.
import {
  OwnerSigner, Waiaas, type Admin, type Agent, type KillSwitchReport, type OwnerInfo, type PolicyRecord,
  type Transaction, type WaiaasErrorFields, type WaiaasEvent, type WalletInfo,
} from 'waiaas'

const BLOCKHASH = 'GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi'

export async function main(dir: string, password: string): Promise<void> {
  const seen: string[] = []
  const admin: Admin = await Waiaas.create(dir, password, {
    kdf: { insecureTestProfile: true, memoryKib: 65536, iterations: 3, parallelism: 4 },
    allowInsecureKdf: true,
  }, { prices: { 'native:solana-devnet': '150' }, notifiers: [(event: WaiaasEvent) => seen.push(event.kind)] })
  const wallet: WalletInfo = admin.createWallet({ name: 'ai-trading-bot', chain: 'solana' })
  admin.createPolicy({
    walletId: wallet.id,
    type: 'SPENDING_LIMIT',
    rules: { instant_max: '100000000', delay_max: '1000000000', delay_seconds: 900 },
  })
  const policies: PolicyRecord[] = admin.policies({ walletId: wallet.id, scope: 'APPLICABLE_TO' })
  const seed = new Array(32).fill(7)
  const ownerKey: OwnerSigner = OwnerSigner.solanaFromBytes(Uint8Array.from(seed))
  const owner: OwnerInfo = admin.setOwner(wallet.id, ownerKey.address)
  void [policies.map((p) => p.type), owner.state]
  const { token } = admin.createSession({ walletId: wallet.id, ttl: 3600 })
  const agent: Agent = admin.agent(token)
  const address: string = agent.address()
  try {
    const tx: Transaction = await agent.send({
      type: 'TRANSFER', to: address, humanAmount: '0.05', chain: { recentBlockhash: BLOCKHASH },
    })
    const hash: string | null | undefined = tx.result?.txHash
    const tier: string | null = tx.tier
    void [hash, tier, tx.decision?.reasons.map((r) => r.policyType)]
  } catch (e) {
    const { code, reasons, retryAfter } = e as Error & WaiaasErrorFields
    void [code, reasons.map((r) => r.code), retryAfter]
  }
  const names: string[] = agent.tools().map((tool) => tool.name)
  const answer = await agent.callTool('get_address', {})
  void [names, answer]
  const pending: Transaction[] = admin.transactions({ statuses: ['PENDING_APPROVAL'] })
  for (const tx of pending) {
    const { approveMessage } = admin.ownerActions().approvalRequest(tx.id)
    if (approveMessage !== null) await admin.ownerActions().approve(tx.id, ownerKey.sign(approveMessage), approveMessage)
  }
  const report: KillSwitchReport = admin.activateKillSwitch('done')
  void [report.walletsSuspended, seen]
  agent.close()
  admin.close()
}
