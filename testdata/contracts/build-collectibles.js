// Compiles TestCollectibles.sol with solc-js and writes each contract's runtime bytecode.
// Usage: npm install --prefix /tmp/solc solc@0.8.28 &&
//        NODE_PATH=/tmp/solc/node_modules node build-collectibles.js
const fs = require('fs');
const solc = require('solc');
const file = 'TestCollectibles.sol';
const input = {
  language: 'Solidity',
  sources: { [file]: { content: fs.readFileSync(__dirname + '/' + file, 'utf8') } },
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
for (const name of ['TestMultiToken', 'TestNft']) {
  const runtime = output.contracts[file][name].evm.deployedBytecode.object;
  fs.writeFileSync(`${__dirname}/${name}.runtime.hex`, runtime + '\n');
  console.log(`solc ${solc.version()}: ${name}: ${runtime.length / 2} bytes of runtime bytecode`);
}
