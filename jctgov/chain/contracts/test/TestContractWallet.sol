// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title TestContractWallet: TESTS ONLY, never deployed by `devchain`
/// @notice The smallest EIP-1271 smart-contract wallet: it accepts a signature over `hash` when
///         it is its owner's ECDSA signature of exactly that hash. For a Sign-In with Ethereum
///         message the hash is the EIP-191 `personal_sign` digest, so the owner signs the
///         message as usual and the wallet's address signs in. Tests use it to prove that
///         jctgov verifies contract-wallet signatures through the chain.
contract TestContractWallet is IERC1271 {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice The owner makes the wallet call `to` with `data` (e.g. approve JCT, create a
    ///         veJCT lock), so tests can give a contract wallet voting power.
    function execute(address to, bytes calldata data) external returns (bytes memory) {
        require(msg.sender == owner, "not owner");
        (bool ok, bytes memory result) = to.call(data);
        if (!ok) {
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
        return result;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecover(hash, signature);
        if (error == ECDSA.RecoverError.NoError && signer == owner) return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }
}
