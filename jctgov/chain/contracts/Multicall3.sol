// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Multicall3 (minimal, written for jctgov)
/// @notice ABI-compatible with the widely deployed Multicall3 for the functions below, so the
///         same client code works against the canonical deployment on public chains.
///         Only `aggregate3` (per-call allowFailure) and a few block helpers are provided.
contract Multicall3 {
    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    error CallFailed(uint256 index, bytes returnData);

    /// @notice Run each call in order; a failing call reverts the batch unless it allows failure.
    function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory returnData) {
        uint256 length = calls.length;
        returnData = new Result[](length);
        for (uint256 i = 0; i < length; ++i) {
            Call3 calldata call = calls[i];
            (bool success, bytes memory data) = call.target.call(call.callData);
            if (!success && !call.allowFailure) revert CallFailed(i, data);
            returnData[i] = Result(success, data);
        }
    }

    function getBlockNumber() external view returns (uint256) {
        return block.number;
    }

    function getCurrentBlockTimestamp() external view returns (uint256) {
        return block.timestamp;
    }

    function getBlockHash(uint256 blockNumber) external view returns (bytes32) {
        return blockhash(blockNumber);
    }

    function getEthBalance(address account) external view returns (uint256) {
        return account.balance;
    }
}
