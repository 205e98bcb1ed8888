// A typed agent host: checked by `tsc --noEmit` against the committed index.d.ts.
// Run the same flow as JavaScript in test/flow.test.mjs.
import {
  Waiaas, type Admin, type Agent, type Transaction, type WaiaasErrorFields, type WalletInfo,
} from 'waiaas'

const BLOCKHASH = 'GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi'

export async function main(dir: string, password: string): Promise<void> {
  const admin: Admin = await Waiaas.create(dir, password, {
    kdf: { insecureTestProfile: true, memoryKib: 65536, iterations: 3, parallelism: 4 },
    allowInsecureKdf: true,
  })
  const wallet: WalletInfo = admin.createWallet({ name: 'ai-trading-bot', chain: 'solana' })
  admin.createPolicy({
    walletId: wallet.id,
    type: 'SPENDING_LIMIT',
    rules: { instant_max: '100000000', delay_max: '1000000000', delay_seconds: 900 },
  })
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
  agent.close()
  admin.close()
}
