// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title ParameterStore, the on-chain source of truth for governed parameters
/// @notice Keys are keccak256 of the parameter name (e.g. keccak256("market.jct_fee_bps")).
///         Owned by the TimelockController, so a value changes only through an executed proposal.
///         Each key has inclusive bounds, set at deploy from the parameter registry
///         (jctgov/core/parameters.py): a value outside them reverts even when the owner sends
///         it, so no operation on the timelock (voted or not) can set a fee of 500%.
contract ParameterStore is Ownable {
    struct Bounds {
        uint256 min;
        uint256 max;
        bool registered;
    }

    /// @notice Current value of each key (0 when never set; see `isSet`).
    mapping(bytes32 => uint256) public values;
    /// @notice Whether a key has ever been set (a value of 0 may be deliberate).
    mapping(bytes32 => bool) public isSet;
    /// @notice Inclusive bounds of each registered key.
    mapping(bytes32 => Bounds) public bounds;

    event ParameterChanged(bytes32 indexed key, uint256 value);
    event BoundsChanged(bytes32 indexed key, uint256 min, uint256 max);

    error ParameterNotSet(bytes32 key);
    error UnknownParameter(bytes32 key);
    error ValueOutOfBounds(bytes32 key, uint256 value, uint256 min, uint256 max);
    error InvalidBounds(bytes32 key, uint256 min, uint256 max);
    error LengthMismatch();

    /// @param keys, mins, maxs  the registry's parameters, one entry per key (same lengths).
    constructor(address initialOwner, bytes32[] memory keys, uint256[] memory mins, uint256[] memory maxs)
        Ownable(initialOwner)
    {
        if (keys.length != mins.length || keys.length != maxs.length) revert LengthMismatch();
        for (uint256 i = 0; i < keys.length; i++) {
            _setBounds(keys[i], mins[i], maxs[i]);
        }
    }

    /// @notice Register `key` or change its bounds (the timelock only). A value already set
    ///         outside the new bounds stays until it is next set; setParameter checks new values.
    function setBounds(bytes32 key, uint256 min, uint256 max) external onlyOwner {
        _setBounds(key, min, max);
    }

    function setParameter(bytes32 key, uint256 value) external onlyOwner {
        Bounds memory b = bounds[key];
        if (!b.registered) revert UnknownParameter(key);
        if (value < b.min || value > b.max) revert ValueOutOfBounds(key, value, b.min, b.max);
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

    function _setBounds(bytes32 key, uint256 min, uint256 max) private {
        if (min > max) revert InvalidBounds(key, min, max);
        bounds[key] = Bounds(min, max, true);
        emit BoundsChanged(key, min, max);
    }
}
