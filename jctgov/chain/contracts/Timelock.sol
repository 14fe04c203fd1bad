// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// OpenZeppelin's TimelockController, deployed unchanged. Importing it here makes the compile
// script emit its artifact (jctgov/chain/artifacts/TimelockController.json).
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
