// Compiles TestToken.sol with solc-js and writes the runtime bytecode.
// Usage: npm install --prefix /tmp/solc solc@0.8.28 && NODE_PATH=/tmp/solc/node_modules node build.js
const fs = require('fs');
const solc = require('solc');
const input = {
  language: 'Solidity',
  sources: { 'TestToken.sol': { content: fs.readFileSync(__dirname + '/TestToken.sol', 'utf8') } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    metadata: { bytecodeHash: 'none' },
    outputSelection: { '*': { '*': ['evm.deployedBytecode.object'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
for (const e of output.errors || []) {
  if (e.severity === 'error') { console.error(e.formattedMessage); process.exit(1); }
}
const runtime = output.contracts['TestToken.sol'].TestToken.evm.deployedBytecode.object;
fs.writeFileSync(__dirname + '/TestToken.runtime.hex', runtime + '\n');
console.log(`solc ${solc.version()}: ${runtime.length / 2} bytes of runtime bytecode`);
