// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title JCT, the Janction token (dev chains only)
/// @notice 18-decimal ERC-20. In production the real token's address is configured instead;
///         this contract exists so a dev chain has a token the owner can mint for demos and tests.
contract JCT is ERC20, Ownable {
    constructor(address initialOwner) ERC20("Janction", "JCT") Ownable(initialOwner) {}

    /// @notice Mint `amount` base units to `to`. Dev chains only: the owner is the deployer.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
