// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title ParameterStore, the on-chain source of truth for governed parameters
/// @notice Keys are keccak256 of the parameter name (e.g. keccak256("market.jct_fee_bps")).
///         Owned by the TimelockController, so a value changes only through an executed proposal.
///         Bounds are checked off chain by the parameter registry before a proposal is published.
contract ParameterStore is Ownable {
    /// @notice Current value of each key (0 when never set; see `isSet`).
    mapping(bytes32 => uint256) public values;
    /// @notice Whether a key has ever been set (a value of 0 may be deliberate).
    mapping(bytes32 => bool) public isSet;

    event ParameterChanged(bytes32 indexed key, uint256 value);

    error ParameterNotSet(bytes32 key);

    constructor(address initialOwner) Ownable(initialOwner) {}

    function setParameter(bytes32 key, uint256 value) external onlyOwner {
        values[key] = value;
        isSet[key] = true;
        emit ParameterChanged(key, value);
    }

    /// @notice The value of `key`; reverts with ParameterNotSet when it was never set.
    function getParameter(bytes32 key) external view returns (uint256) {
        if (!isSet[key]) revert ParameterNotSet(key);
        return values[key];
    }

    /// @notice (set, value) without reverting, for batched reads.
    function tryGetParameter(bytes32 key) external view returns (bool, uint256) {
        return (isSet[key], values[key]);
    }
}
