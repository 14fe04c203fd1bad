// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title VotingEscrow (veJCT): JCT locked for time buys decaying, non-transferable voting power
/// @notice Curve's vote-escrow semantics, written fresh. A lock of `amount` until `end` (rounded
///         down to a whole week, at most MAXTIME ahead) has power `slope * (end - t)` at time t,
///         with `slope = amount / MAXTIME` (integer division, as in Curve), so power decays
///         linearly to zero at `end`. The global supply is tracked as one (bias, slope) line
///         plus `slopeChanges[week]`: the slope that stops at each week boundary.
///
/// @dev History and exactness. Every checkpoint stores (bias, slope, ts, blk) with the REAL
///      block number and timestamp (unlike Curve, no synthetic weekly points with estimated
///      block numbers are stored), one point per block (a second change in the same block
///      overwrites that block's point). The lock state in force at block B is therefore found
///      exactly by binary search on `blk`; what a contract cannot know is an old block's
///      timestamp, which the decay needs. So:
///      - `balanceOfAtBlock(addr, blk, ts)` / `totalSupplyAtBlock(blk, ts)` are EXACT given the
///        block's header timestamp `ts` (checked against the neighbouring checkpoints). jctgov's
///        snapshots use these with the timestamp read from the block header: exact, and no
///        archive node needed, since the history lives in this contract's storage.
///      - `balanceOfAt(addr, blk)` / `totalSupplyAt(blk)` use the exact time when `blk` is the
///        current block (so an `eth_call` made AT block `blk` is exact) or a block holding a
///        checkpoint (any lock change, or anyone calling `checkpoint()`). Otherwise they
///        interpolate the time linearly between the surrounding checkpoints (Curve's method);
///        the power error is then at most `slope * |estimatedTs - trueTs|`.
///      - `balanceOfAtTime(addr, t)` / `totalSupplyAtTime(t)` use the last checkpoint with
///        ts <= t: exact where block timestamps strictly increase (Ethereum). On a dev chain
///        that mines several blocks in one second (Anvil), a time covers all of them.
contract VotingEscrow is ReentrancyGuard {
    using SafeERC20 for IERC20;

    struct Point {
        int128 bias;
        int128 slope;
        uint64 ts;
        uint64 blk;
    }

    struct LockedBalance {
        uint128 amount;
        uint64 end;
    }

    uint256 public constant WEEK = 7 days;
    uint256 public constant MAXTIME = 4 * 365 days; // 126144000 s
    uint8 public constant CREATE_LOCK_TYPE = 1;
    uint8 public constant INCREASE_LOCK_AMOUNT = 2;
    uint8 public constant INCREASE_UNLOCK_TIME = 3;

    IERC20 public immutable token;
    string public name;
    string public symbol;
    uint8 public constant decimals = 18;

    uint256 public supply; // total JCT locked
    Point[] internal _pointHistory; // global points, strictly increasing blk and ts
    mapping(address => Point[]) internal _userPointHistory;
    mapping(address => LockedBalance) internal _locked;
    /// @notice Slope that ends at each week boundary (removed from the global slope there).
    mapping(uint256 => int128) public slopeChanges;

    event Deposit(address indexed provider, uint256 value, uint256 indexed locktime, uint8 depositType, uint256 ts);
    event Withdraw(address indexed provider, uint256 value, uint256 ts);
    event Supply(uint256 prevSupply, uint256 supply);

    error ZeroValue();
    error LockExists();
    error NoLock();
    error LockExpired();
    error LockNotExpired();
    error UnlockTimeNotInFuture();
    error UnlockTimeTooFar();
    error UnlockTimeNotLater();
    error FutureBlock();
    error InvalidBlockTimestamp();

    constructor(IERC20 token_) {
        token = token_;
        name = "Vote-escrowed JCT";
        symbol = "veJCT";
        _pointHistory.push(Point(0, 0, uint64(block.timestamp), uint64(block.number)));
    }

    // ------------------------------------------------------------------ writes

    /// @notice Lock `amount` JCT until `unlockTime` (rounded down to a week; <= now + MAXTIME).
    function createLock(uint256 amount, uint256 unlockTime) external nonReentrant {
        LockedBalance memory old = _locked[msg.sender];
        uint256 end = (unlockTime / WEEK) * WEEK;
        if (amount == 0) revert ZeroValue();
        if (old.amount != 0) revert LockExists();
        if (end <= block.timestamp) revert UnlockTimeNotInFuture();
        if (end > block.timestamp + MAXTIME) revert UnlockTimeTooFar();
        _depositFor(msg.sender, amount, end, old, CREATE_LOCK_TYPE);
    }

    /// @notice Add `amount` JCT to an unexpired lock, keeping its unlock time.
    function increaseAmount(uint256 amount) external nonReentrant {
        LockedBalance memory old = _locked[msg.sender];
        if (amount == 0) revert ZeroValue();
        if (old.amount == 0) revert NoLock();
        if (old.end <= block.timestamp) revert LockExpired();
        _depositFor(msg.sender, amount, 0, old, INCREASE_LOCK_AMOUNT);
    }

    /// @notice Move an unexpired lock's unlock time later (rounded down to a week).
    function increaseUnlockTime(uint256 unlockTime) external nonReentrant {
        LockedBalance memory old = _locked[msg.sender];
        uint256 end = (unlockTime / WEEK) * WEEK;
        if (old.amount == 0) revert NoLock();
        if (old.end <= block.timestamp) revert LockExpired();
        if (end <= old.end) revert UnlockTimeNotLater();
        if (end > block.timestamp + MAXTIME) revert UnlockTimeTooFar();
        _depositFor(msg.sender, 0, end, old, INCREASE_UNLOCK_TIME);
    }

    /// @notice Take back all locked JCT once the lock has expired.
    function withdraw() external nonReentrant {
        LockedBalance memory old = _locked[msg.sender];
        if (old.amount == 0) revert NoLock();
        if (block.timestamp < old.end) revert LockNotExpired();
        uint256 value = old.amount;
        _locked[msg.sender] = LockedBalance(0, 0);
        uint256 prevSupply = supply;
        supply = prevSupply - value;
        _checkpoint(msg.sender, old, LockedBalance(0, 0));
        token.safeTransfer(msg.sender, value);
        emit Withdraw(msg.sender, value, block.timestamp);
        emit Supply(prevSupply, supply);
    }

    /// @notice Record a global point for the current block (anyone; makes `totalSupplyAt` and
    ///         `balanceOfAt` exact for this block number).
    function checkpoint() external {
        _checkpoint(address(0), LockedBalance(0, 0), LockedBalance(0, 0));
    }

    // ------------------------------------------------------------------ views

    function locked(address account) external view returns (uint256 amount, uint256 end) {
        LockedBalance memory lock = _locked[account];
        return (lock.amount, lock.end);
    }

    function epoch() external view returns (uint256) {
        return _pointHistory.length - 1;
    }

    function pointHistory(uint256 index) external view returns (Point memory) {
        return _pointHistory[index];
    }

    function userPointEpoch(address account) external view returns (uint256) {
        return _userPointHistory[account].length;
    }

    function userPointHistory(address account, uint256 index) external view returns (Point memory) {
        return _userPointHistory[account][index];
    }

    /// @notice Voting power of `account` now.
    function balanceOf(address account) external view returns (uint256) {
        return balanceOfAtTime(account, block.timestamp);
    }

    /// @notice Voting power of `account` at timestamp `t` (exact for t <= now; for a future t,
    ///         the projection assuming no further lock changes).
    function balanceOfAtTime(address account, uint256 t) public view returns (uint256) {
        Point[] storage history = _userPointHistory[account];
        uint256 n = history.length;
        if (n == 0 || history[0].ts > t) return 0;
        uint256 lo = 0;
        uint256 hi = n - 1;
        while (lo < hi) {
            uint256 mid = (lo + hi + 1) / 2;
            if (history[mid].ts <= t) lo = mid;
            else hi = mid - 1;
        }
        return _powerAt(history[lo], t);
    }

    /// @notice Voting power of `account` at block `blk` (see the contract notes on exactness).
    function balanceOfAt(address account, uint256 blk) external view returns (uint256) {
        if (blk > block.number) revert FutureBlock();
        return _balanceAtBlock(account, blk, _blockTime(blk));
    }

    /// @notice Exact voting power of `account` at block `blk`, given that block's timestamp.
    function balanceOfAtBlock(address account, uint256 blk, uint256 blockTimestamp) external view returns (uint256) {
        _checkBlockTime(blk, blockTimestamp);
        return _balanceAtBlock(account, blk, blockTimestamp);
    }

    /// @notice Total voting power now.
    function totalSupply() external view returns (uint256) {
        return totalSupplyAtTime(block.timestamp);
    }

    /// @notice Total voting power at timestamp `t` (exact for t <= now).
    function totalSupplyAtTime(uint256 t) public view returns (uint256) {
        if (_pointHistory[0].ts > t) return 0;
        uint256 lo = 0;
        uint256 hi = _pointHistory.length - 1;
        while (lo < hi) {
            uint256 mid = (lo + hi + 1) / 2;
            if (_pointHistory[mid].ts <= t) lo = mid;
            else hi = mid - 1;
        }
        return _supplyAt(_pointHistory[lo], t);
    }

    /// @notice Total voting power at block `blk` (see the contract notes on exactness).
    function totalSupplyAt(uint256 blk) external view returns (uint256) {
        if (blk > block.number) revert FutureBlock();
        if (_pointHistory[0].blk > blk) return 0;
        return _supplyAt(_pointHistory[_globalIndexAtBlock(blk)], _blockTime(blk));
    }

    /// @notice Exact total voting power at block `blk`, given that block's timestamp.
    function totalSupplyAtBlock(uint256 blk, uint256 blockTimestamp) external view returns (uint256) {
        _checkBlockTime(blk, blockTimestamp);
        if (_pointHistory[0].blk > blk) return 0;
        return _supplyAt(_pointHistory[_globalIndexAtBlock(blk)], blockTimestamp);
    }

    // ------------------------------------------------------------------ internals

    function _powerAt(Point memory point, uint256 t) internal pure returns (uint256) {
        int256 bias = int256(point.bias) - int256(point.slope) * int256(t - point.ts);
        return bias > 0 ? uint256(bias) : 0;
    }

    function _balanceAtBlock(address account, uint256 blk, uint256 t) internal view returns (uint256) {
        Point[] storage history = _userPointHistory[account];
        uint256 n = history.length;
        if (n == 0 || history[0].blk > blk) return 0;
        uint256 lo = 0;
        uint256 hi = n - 1;
        while (lo < hi) {
            uint256 mid = (lo + hi + 1) / 2;
            if (history[mid].blk <= blk) lo = mid;
            else hi = mid - 1;
        }
        return _powerAt(history[lo], t);
    }

    /// @dev A claimed timestamp for `blk` must lie between the checkpoints around it, so the
    ///      decay is never evaluated before the state it starts from.
    function _checkBlockTime(uint256 blk, uint256 blockTimestamp) internal view {
        if (blk > block.number) revert FutureBlock();
        if (blk == block.number) {
            if (blockTimestamp != block.timestamp) revert InvalidBlockTimestamp();
            return;
        }
        if (_pointHistory[0].blk > blk) return;
        uint256 index = _globalIndexAtBlock(blk);
        if (blockTimestamp < _pointHistory[index].ts) revert InvalidBlockTimestamp();
        if (index + 1 < _pointHistory.length && blockTimestamp > _pointHistory[index + 1].ts) {
            revert InvalidBlockTimestamp();
        }
        if (blockTimestamp > block.timestamp) revert InvalidBlockTimestamp();
    }

    function _globalIndexAtBlock(uint256 blk) internal view returns (uint256) {
        uint256 lo = 0;
        uint256 hi = _pointHistory.length - 1;
        while (lo < hi) {
            uint256 mid = (lo + hi + 1) / 2;
            if (_pointHistory[mid].blk <= blk) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    /// @dev Timestamp of block `blk` (<= block.number): exact for the current block and for
    ///      blocks with a checkpoint, otherwise interpolated between the neighbouring points.
    function _blockTime(uint256 blk) internal view returns (uint256) {
        if (blk == block.number) return block.timestamp;
        uint256 index = _globalIndexAtBlock(blk);
        Point memory point = _pointHistory[index];
        if (point.blk == blk || blk < point.blk) return point.ts;
        uint256 nextBlk;
        uint256 nextTs;
        if (index + 1 < _pointHistory.length) {
            Point memory next = _pointHistory[index + 1];
            (nextBlk, nextTs) = (next.blk, next.ts);
        } else {
            (nextBlk, nextTs) = (block.number, block.timestamp);
        }
        return point.ts + ((nextTs - point.ts) * (blk - point.blk)) / (nextBlk - point.blk);
    }

    /// @dev Walk the global line from `point` to time `t`, applying each week's slope change.
    function _supplyAt(Point memory point, uint256 t) internal view returns (uint256) {
        int256 bias = point.bias;
        int256 slope = point.slope;
        uint256 last = point.ts;
        uint256 tI = (last / WEEK) * WEEK;
        for (uint256 i = 0; i < 255; ++i) {
            tI += WEEK;
            int256 dSlope = 0;
            if (tI > t) tI = t;
            else dSlope = slopeChanges[tI];
            bias -= slope * int256(tI - last);
            if (tI == t) break;
            slope -= dSlope;
            last = tI;
        }
        return bias > 0 ? uint256(bias) : 0;
    }

    function _depositFor(
        address account,
        uint256 value,
        uint256 unlockTime,
        LockedBalance memory old,
        uint8 depositType
    ) internal {
        LockedBalance memory lock = LockedBalance(old.amount, old.end);
        uint256 prevSupply = supply;
        supply = prevSupply + value;
        // SafeCast: a plain uint128(value) would silently keep only the low 128 bits while the
        // full value is transferred in, locking tokens the lock does not account for.
        lock.amount += SafeCast.toUint128(value);
        if (unlockTime != 0) lock.end = SafeCast.toUint64(unlockTime);
        _locked[account] = lock;
        _checkpoint(account, old, lock);
        if (value != 0) token.safeTransferFrom(account, address(this), value);
        emit Deposit(account, value, lock.end, depositType, block.timestamp);
        emit Supply(prevSupply, supply);
    }

    function _userPoint(LockedBalance memory lock) internal view returns (Point memory point) {
        if (lock.end > block.timestamp && lock.amount > 0) {
            point.slope = int128(uint128(lock.amount / MAXTIME));
            point.bias = point.slope * int128(uint128(lock.end - block.timestamp));
        }
        point.ts = uint64(block.timestamp);
        point.blk = uint64(block.number);
    }

    /// @dev Bring the global line up to now, apply one account's change (old -> new lock),
    ///      and reschedule the slope changes at the old and new unlock weeks.
    function _checkpoint(address account, LockedBalance memory oldLock, LockedBalance memory newLock) internal {
        Point memory uOld;
        Point memory uNew;
        if (account != address(0)) {
            uOld = _userPoint(oldLock);
            uNew = _userPoint(newLock);
        }

        Point memory last = _pointHistory[_pointHistory.length - 1];
        uint256 lastTs = last.ts;
        uint256 tI = (lastTs / WEEK) * WEEK;
        for (uint256 i = 0; i < 255; ++i) {
            tI += WEEK;
            int128 dSlope = 0;
            if (tI > block.timestamp) tI = block.timestamp;
            else dSlope = slopeChanges[tI];
            last.bias -= last.slope * int128(uint128(tI - lastTs));
            last.slope -= dSlope;
            if (last.bias < 0) last.bias = 0;
            if (last.slope < 0) last.slope = 0;
            lastTs = tI;
            if (tI == block.timestamp) break;
        }
        last.ts = uint64(block.timestamp);
        last.blk = uint64(block.number);

        if (account != address(0)) {
            last.slope += uNew.slope - uOld.slope;
            last.bias += uNew.bias - uOld.bias;
            if (last.slope < 0) last.slope = 0;
            if (last.bias < 0) last.bias = 0;
            // Reschedule: the old lock no longer ends at oldLock.end; the new one ends at newLock.end.
            if (oldLock.end > block.timestamp) slopeChanges[oldLock.end] -= uOld.slope;
            if (newLock.end > block.timestamp) slopeChanges[newLock.end] += uNew.slope;
            _pushOrReplace(_userPointHistory[account], uNew);
        }
        _pushOrReplace(_pointHistory, last);
    }

    function _pushOrReplace(Point[] storage history, Point memory point) internal {
        uint256 n = history.length;
        if (n > 0 && history[n - 1].blk == point.blk) history[n - 1] = point;
        else history.push(point);
    }
}
