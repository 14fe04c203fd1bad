// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title UnboundedParameterStore (tests only)
/// @notice The ParameterStore before bounds were enforced on chain, with the same storage
///         layout (owner, values, isSet). Tests put its code at the real store's address
///         (anvil_setCode) to force an out-of-range value onto the chain and check that the
///         mirror and the pages refuse to trust it.
contract UnboundedParameterStore is Ownable {
    mapping(bytes32 => uint256) public values;
    mapping(bytes32 => bool) public isSet;

    event ParameterChanged(bytes32 indexed key, uint256 value);

    constructor(address initialOwner) Ownable(initialOwner) {}

    function setParameter(bytes32 key, uint256 value) external onlyOwner {
        values[key] = value;
        isSet[key] = true;
        emit ParameterChanged(key, value);
    }

    function tryGetParameter(bytes32 key) external view returns (bool, uint256) {
        return (isSet[key], values[key]);
    }
}
