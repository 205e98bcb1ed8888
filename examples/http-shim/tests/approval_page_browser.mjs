// Drives the approval page in headless Chromium (Debian's, through playwright-core,
// never a downloaded browser) with a test wallet injected before the page loads: an
// EIP-1193 provider (window.ethereum) or a wallet-standard Solana wallet. The wallet
// answers only the texts it was given signatures for (made by test keys on the Rust
// side), so the page must ask for exactly the approval text. Usage:
//   node approval_page_browser.mjs <spec.json>    prints the results as JSON.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const { chromium } = createRequire(import.meta.url)(spec.playwright);

function installWallet({ chain, owner, signatures }) {
  const toHex = (bytes) =>
    "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const fromHex = (hex) =>
    Uint8Array.from(hex.slice(2).match(/../g), (h) => parseInt(h, 16));
  const signed = (key) => {
    const signature = signatures[key.toLowerCase()];
    if (!signature) throw new Error("test wallet: asked to sign an unexpected message");
    return signature;
  };
  if (chain === "ethereum") {
    window.ethereum = {
      request: async ({ method, params }) => {
        if (method === "eth_requestAccounts" || method === "eth_accounts") return [owner];
        if (method === "personal_sign") {
          if (params[1].toLowerCase() !== owner.toLowerCase()) throw new Error("test wallet: not my account");
          return signed(params[0]);
        }
        throw new Error("test wallet: unsupported " + method);
      },
    };
    return;
  }
  const account = {
    address: owner,
    publicKey: new Uint8Array(32),
    chains: ["solana:devnet"],
    features: ["solana:signMessage"],
  };
  const wallet = {
    version: "1.0.0",
    name: "waiaas test wallet",
    icon: "data:image/svg+xml;base64,PHN2Zy8+",
    chains: ["solana:devnet"],
    accounts: [account],
    features: {
      "standard:connect": { version: "1.0.0", connect: async () => ({ accounts: [account] }) },
      "solana:signMessage": {
        version: "1.0.0",
        signMessage: async ({ message }) => [
          { signedMessage: message, signature: fromHex(signed(toHex(message))) },
        ],
      },
    },
  };
  window.addEventListener("wallet-standard:app-ready", (event) => event.detail.register(wallet));
}

const browser = await chromium.launch({
  executablePath: spec.chromium,
  headless: true,
  args: ["--no-sandbox"],
});
const results = [];
try {
  for (const c of spec.cases) {
    const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
    await context.addInitScript(installWallet, c.wallet);
    const page = await context.newPage();
    const problems = [];
    page.on("pageerror", (e) => problems.push("page error: " + e.message));
    // Script errors and CSP violations; a refusal page's own 4xx status is expected.
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
        problems.push("console: " + m.text());
      }
    });
    const result = { name: c.name, problems };
    await page.goto(c.url);
    result.landing = await page.textContent("main");
    await Promise.all([page.waitForNavigation(), page.click("form button[type=submit]")]);
    result.review = await page.textContent("main");
    if (c.screenshot) {
      await page.screenshot({ path: c.screenshot, fullPage: true });
    }
    if (c.sign) {
      const button = `form.decision:has(input[name=action][value=${c.sign}]) button.wallet`;
      await page.waitForSelector(button, { state: "visible", timeout: 5000 });
      await Promise.all([page.waitForNavigation({ timeout: 15000 }), page.click(button)]);
      result.final = await page.textContent("main");
    }
    results.push(result);
    await context.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(results));
