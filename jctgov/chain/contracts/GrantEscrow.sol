// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title GrantEscrow, holds grant program budgets in JCT
/// @notice Funding PULLS tokens: the funder (the timelock) first approves this contract, then
///         calls `fundProgram(id, amount)`, which `transferFrom`s the amount from the caller. A
///         grant-budget proposal therefore executes as one timelock batch
///         `[JCT.approve(escrow, amount), GrantEscrow.fundProgram(id, amount)]`, so the escrow's
///         token balance always covers the sum of every program's remaining budget (no separate
///         transfer that could be mis-counted).
///         Payouts (PAYOUT_ROLE, held by the stewards' Safe and nobody else) can never exceed a
///         program's remaining budget. `payoutOnce` is the only way to pay: it takes a reference
///         id and refuses to pay it twice, so an off-chain retry after a crash cannot double-pay.
contract GrantEscrow is AccessControl {
    using SafeERC20 for IERC20;

    bytes32 public constant FUNDER_ROLE = keccak256("FUNDER_ROLE");
    bytes32 public constant PAYOUT_ROLE = keccak256("PAYOUT_ROLE");

    struct Program {
        uint256 funded;
        uint256 paid;
    }

    IERC20 public immutable token;
    mapping(uint256 => Program) public programs;
    /// @notice Payout references already used by `payoutOnce`.
    mapping(bytes32 => bool) public paidRefs;

    event ProgramFunded(uint256 indexed id, uint256 amount, uint256 funded);
    event Payout(uint256 indexed id, address indexed to, uint256 amount, uint256 remaining, bytes32 ref);

    error ZeroAmount();
    error ZeroAddress();
    error ExceedsRemaining(uint256 id, uint256 requested, uint256 remaining);
    error AlreadyPaid(bytes32 ref);

    constructor(IERC20 token_, address admin, address funder, address payer) {
        if (address(token_) == address(0)) revert ZeroAddress();
        token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(FUNDER_ROLE, funder);
        _grantRole(PAYOUT_ROLE, payer);
    }

    /// @notice Create or top up program `id` with `amount`, pulled from the caller (approve first).
    function fundProgram(uint256 id, uint256 amount) external onlyRole(FUNDER_ROLE) {
        if (amount == 0) revert ZeroAmount();
        Program storage program = programs[id];
        program.funded += amount;
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit ProgramFunded(id, amount, program.funded);
    }

    /// @notice Pay `amount` of program `id` to `to`, never more than `remaining(id)`; each `ref`
    ///         pays at most once (retry-safe).
    function payoutOnce(uint256 id, address to, uint256 amount, bytes32 ref) external onlyRole(PAYOUT_ROLE) {
        if (paidRefs[ref]) revert AlreadyPaid(ref);
        paidRefs[ref] = true;
        _payout(id, to, amount, ref);
    }

    function remaining(uint256 id) public view returns (uint256) {
        Program storage program = programs[id];
        return program.funded - program.paid;
    }

    function _payout(uint256 id, address to, uint256 amount, bytes32 ref) private {
        if (to == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        uint256 left = remaining(id);
        if (amount > left) revert ExceedsRemaining(id, amount, left);
        programs[id].paid += amount;
        token.safeTransfer(to, amount);
        emit Payout(id, to, amount, left - amount, ref);
    }
}
