#!/usr/bin/env node
// Compile jctgov/chain/contracts/*.sol with the pinned solc-js (offline) into deterministic
// artifacts: jctgov/chain/artifacts/<Name>.json = {"abi": [...], "bytecode": "0x..."}.
// Usage: node jctgov/chain/compile.js [--out DIR]   (npm run compile)
"use strict";

const fs = require("fs");
const path = require("path");
const solc = require("solc");

const ROOT = path.resolve(__dirname, "..", "..");
const CONTRACTS = path.join(__dirname, "contracts");
const NODE_MODULES = path.join(ROOT, "node_modules");

// Artifact path (under artifacts/, without .json) -> [source unit, contract name].
// Contracts under contracts/test/ exist for the test suite only (devchain never deploys them);
// their artifacts go to artifacts/test/ and are checked like the others.
const TARGETS = {
  JCT: ["contracts/JCT.sol", "JCT"],
  MockStablecoin: ["contracts/MockStablecoin.sol", "MockStablecoin"],
  VotingEscrow: ["contracts/VotingEscrow.sol", "VotingEscrow"],
  ParameterStore: ["contracts/ParameterStore.sol", "ParameterStore"],
  GrantEscrow: ["contracts/GrantEscrow.sol", "GrantEscrow"],
  Multicall3: ["contracts/Multicall3.sol", "Multicall3"],
  VoteDelegation: ["contracts/VoteDelegation.sol", "VoteDelegation"],
  TimelockController: ["@openzeppelin/contracts/governance/TimelockController.sol", "TimelockController"],
  "test/TestContractWallet": ["contracts/test/TestContractWallet.sol", "TestContractWallet"],
  "test/UnboundedParameterStore": ["contracts/test/UnboundedParameterStore.sol", "UnboundedParameterStore"],
};

function outDir() {
  const i = process.argv.indexOf("--out");
  return i > 0 ? path.resolve(process.argv[i + 1]) : path.join(__dirname, "artifacts");
}

// Imports resolve only inside node_modules (OpenZeppelin) or our contracts folder: no network.
function findImports(importPath) {
  const candidates = importPath.startsWith("contracts/")
    ? [path.join(__dirname, importPath)]
    : [path.join(NODE_MODULES, importPath)];
  for (const file of candidates) {
    if (fs.existsSync(file)) return { contents: fs.readFileSync(file, "utf8") };
  }
  return { error: `import not found: ${importPath}` };
}

function main() {
  const sources = {};
  for (const sub of ["", "test/"]) {
    const dir = path.join(CONTRACTS, sub);
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".sol")).sort()) {
      sources[`contracts/${sub}${file}`] = { content: fs.readFileSync(path.join(dir, file), "utf8") };
    }
  }
  const input = {
    language: "Solidity",
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      // No metadata hash in the bytecode: artifacts depend on the sources only.
      metadata: { bytecodeHash: "none" },
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors || []).filter((e) => e.severity === "error");
  for (const e of output.errors || []) console.error(e.formattedMessage);
  if (errors.length) process.exit(1);

  const dir = outDir();
  fs.mkdirSync(dir, { recursive: true });
  for (const [artifactPath, [unit, name]] of Object.entries(TARGETS)) {
    const compiled = output.contracts[unit] && output.contracts[unit][name];
    if (!compiled) {
      console.error(`missing contract ${name} in ${unit}`);
      process.exit(1);
    }
    const artifact = { abi: compiled.abi, bytecode: "0x" + compiled.evm.bytecode.object };
    const file = path.join(dir, `${artifactPath}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(artifact, null, 1) + "\n");
  }
  console.log(`compiled ${Object.keys(TARGETS).length} contracts with solc ${solc.version()} -> ${dir}`);
}

main();
