// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title VoteDelegation: a holder delegates all of their veJCT to one address, exact at any block
/// @notice One level only: what is delegated to an address is counted with that address's own
///         vote; the address's own delegation passes on its OWN power, never what was delegated to
///         it (Snapshot's rule). Off chain, a delegator who votes themself overrides their
///         delegate for their own power.
/// @dev Each holder's delegate history is an OpenZeppelin `Checkpoints.Trace208` keyed by block
///      number (value = the delegate's address as uint160; 0 = none). `push` with the current
///      block overwrites that block's checkpoint, so two changes in one block keep the last, and
///      `delegateOfAt` finds the checkpoint in force at any past block by binary search, with no
///      archive node (the same standard as VotingEscrow.balanceOfAtBlock).
contract VoteDelegation {
    using Checkpoints for Checkpoints.Trace208;

    mapping(address => Checkpoints.Trace208) private _delegates;

    /// @notice `delegator`'s delegate changed from `fromDelegate` to `toDelegate` (0 = none).
    event DelegateChanged(address indexed delegator, address indexed fromDelegate, address indexed toDelegate);

    error SelfDelegation();
    error ZeroAddressDelegate();
    error AlreadyDelegated();
    error NotDelegated();
    error FutureBlock();

    /// @notice Delegate all of the sender's veJCT to `to` (replacing any current delegate).
    function delegate(address to) external {
        if (to == address(0)) revert ZeroAddressDelegate();
        if (to == msg.sender) revert SelfDelegation();
        if (to == delegateOf(msg.sender)) revert AlreadyDelegated();
        _set(msg.sender, to);
    }

    /// @notice Remove the sender's delegation: from now on only their own vote counts their power.
    function undelegate() external {
        if (delegateOf(msg.sender) == address(0)) revert NotDelegated();
        _set(msg.sender, address(0));
    }

    /// @notice `holder`'s current delegate (0 = none).
    function delegateOf(address holder) public view returns (address) {
        return address(uint160(_delegates[holder].latest()));
    }

    /// @notice `holder`'s delegate at the END of block `blockNumber` (0 = none); exact for any
    ///         block up to the current one.
    function delegateOfAt(address holder, uint256 blockNumber) external view returns (address) {
        if (blockNumber > block.number) revert FutureBlock();
        return address(uint160(_delegates[holder].upperLookupRecent(SafeCast.toUint48(blockNumber))));
    }

    /// @notice Number of checkpoints of `holder` (tests and audits).
    function checkpointCount(address holder) external view returns (uint256) {
        return _delegates[holder].length();
    }

    function _set(address holder, address to) private {
        address from = delegateOf(holder);
        _delegates[holder].push(SafeCast.toUint48(block.number), uint208(uint160(to)));
        emit DelegateChanged(holder, from, to);
    }
}
