"""The chain client: plain values out, transient vs permanent errors, batching, accounts."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from jctgov.chain import client
from jctgov.chain.anvil import free_port
from jctgov.chain.devkeys import DEV_KEYS

WEI = 10**18


def test_reads_return_plain_python_values(chain):
    head = client.head_block()
    assert isinstance(head, int) and head > 0
    assert client.block_hash(head).startswith("0x") and len(client.block_hash(head)) == 66
    assert client.block_timestamp(head) == chain.now()
    assert client.has_code(chain.deployments["VotingEscrow"]) is True
    assert client.has_code(chain.accounts[3]) is False
    assert client.deployments()["chain_id"] == 31337


def test_rpc_down_raises_chain_unavailable(chain, settings):
    settings.CHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(client.ChainUnavailable) as info:
        client.head_block()
    assert info.value.status == 503 and info.value.code == "chain_unavailable"
    with pytest.raises(client.ChainUnavailable):
        client.vejct_balance(chain.accounts[1])
    with pytest.raises(client.ChainUnavailable):
        client.send_transaction(
            chain.contract("VotingEscrow").functions.withdraw(), private_key=DEV_KEYS[1]
        )


def test_missing_block_and_deployments_are_permanent_errors(chain, settings, tmp_path):
    with pytest.raises(client.ChainError) as info:
        client.block_hash(client.head_block() + 1000)
    assert info.value.status == 502
    client.set_deployments(None)
    settings.CHAIN_DEPLOYMENTS_FILE = tmp_path / "missing.json"
    try:
        with pytest.raises(client.ChainError, match="devchain"):
            client.deployments()
    finally:
        client.set_deployments(chain.deployments)


def test_revert_reason_is_decoded_from_custom_errors_and_strings(chain):
    with pytest.raises(client.ChainError) as info:
        client.send_transaction(
            chain.contract("VotingEscrow").functions.withdraw(), private_key=DEV_KEYS[2]
        )
    assert info.value.code == "chain_reverted" and "NoLock()" in info.value.message
    with pytest.raises(
        client.ChainError, match="LockNotExpired"
    ):  # reverts on chain, not at estimate
        chain.lock(2, WEI, 3)
        client.send_transaction(
            chain.contract("VotingEscrow").functions.withdraw(),
            private_key=DEV_KEYS[2],
            gas=300_000,
        )
    assert (
        client.revert_reason(
            "0x08c379a0" + "20".rjust(64, "0") + "3".rjust(64, "0") + b"low".hex().ljust(64, "0")
        )
        == "low"
    )


def test_balances_at_batches_beyond_500_holders(chain):
    chain.lock(1, 100 * WEI, 30)
    chain.lock(2, 300 * WEI, 60)
    block = client.head_block()
    nobody = [Account.create().address for _ in range(620)]
    powers = client.vejct_balances_at(nobody + chain.accounts[1:3], block)
    assert len(powers) == 622
    assert sum(powers[a] for a in nobody) == 0
    assert powers[chain.accounts[1]] == client.vejct_balance_at(chain.accounts[1], block) > 0
    assert powers[chain.accounts[2]] + powers[chain.accounts[1]] == client.vejct_total_supply_at(
        block
    )
    assert client.vejct_balances_at([], block) == {}


def test_parameter_value_is_none_until_set(chain):
    assert client.parameter_value("governance.quorum_bps") is None
    chain.set_parameter("governance.quorum_bps", 400)
    assert client.parameter_value("governance.quorum_bps") == 400
    key_hash = "0x" + client.parameter_key_hash("governance.quorum_bps").hex()
    assert client.parameter_value(key_hash) == 400


def test_erc1271_check_asks_the_contract_wallet(chain):
    wallet = chain.deploy("test/TestContractWallet", chain.accounts[1])
    digest = b"\x11" * 32
    by_owner = Account.unsafe_sign_hash(digest, DEV_KEYS[1]).signature
    by_other = Account.unsafe_sign_hash(digest, DEV_KEYS[2]).signature
    assert client.is_valid_erc1271_signature(wallet.address, digest, by_owner) is True
    assert client.is_valid_erc1271_signature(wallet.address, digest, "0x" + by_owner.hex()) is True
    assert client.is_valid_erc1271_signature(wallet.address, b"\x22" * 32, by_owner) is False
    assert client.is_valid_erc1271_signature(wallet.address, digest, by_other) is False
    assert client.is_valid_erc1271_signature(wallet.address, digest, b"\x01" * 10) is False


def test_erc1271_check_is_false_for_wallets_that_do_not_implement_it(chain):
    digest = b"\x11" * 32
    signature = Account.sign_message(encode_defunct(digest), DEV_KEYS[1]).signature
    assert client.is_valid_erc1271_signature(chain.deployments["JCT"], digest, signature) is False
    assert client.is_valid_erc1271_signature(chain.accounts[1], digest, signature) is False


def test_executor_account_comes_from_settings_only(chain, settings, tmp_path):
    assert client.executor_account().address == chain.accounts[0]
    settings.JCTGOV_EXECUTOR_KEY = ""
    assert client.executor_account() is None
    keystore = tmp_path / "key.json"
    import json

    keystore.write_text(json.dumps(Account.encrypt(DEV_KEYS[4], "pw", iterations=2)))
    settings.JCTGOV_EXECUTOR_KEYSTORE = str(keystore)
    settings.JCTGOV_EXECUTOR_KEYSTORE_PASSWORD = "pw"
    assert client.executor_account().address == chain.accounts[4]


def test_evm_snapshot_and_revert_restore_state(chain):
    snap = client.evm_snapshot()
    head = client.head_block()
    client.evm_mine(3)
    assert client.head_block() == head + 3
    assert client.evm_revert(snap) is True
    assert client.head_block() == head


class FlakyRpc:
    """A JSON-RPC front for the test Anvil that answers HTTP 503 to the next ``failures``
    requests (and to every ``broken_method`` call), like a load balancer having a bad moment.
    Records each method it was asked."""

    def __init__(self, upstream: str) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        import requests

        self.failures, self.methods, self.broken_method = 0, [], None
        rpc = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                method = json.loads(body).get("method")
                rpc.methods.append(method)
                if rpc.failures > 0 or method == rpc.broken_method:
                    rpc.failures = max(rpc.failures - 1, 0)
                    self.send_response(503)
                    self.end_headers()
                    return
                answer = requests.post(
                    upstream, data=body, headers={"Content-Type": "application/json"}, timeout=10
                )
                self.send_response(answer.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def flaky_rpc(chain, settings):
    rpc = FlakyRpc(chain.w3.provider.endpoint_uri)
    settings.CHAIN_RPC_URL = rpc.url
    yield rpc
    rpc.close()


def test_transient_rpc_errors_are_retried_with_backoff(flaky_rpc):
    flaky_rpc.failures = 2
    assert client.head_block() > 0  # the third attempt got through
    assert flaky_rpc.methods == ["eth_blockNumber"] * 3


def test_rpc_that_keeps_failing_is_chain_unavailable_after_the_retries(flaky_rpc):
    flaky_rpc.failures = 100
    with pytest.raises(client.ChainUnavailable, match="HTTP 503"):
        client.head_block()
    assert flaky_rpc.methods == ["eth_blockNumber"] * 3


def test_sending_a_transaction_is_never_retried_blindly(chain, flaky_rpc):
    # A resend after a lost answer could send twice: the caller reconciles with the chain.
    escrow, jct = chain.contract("VotingEscrow"), chain.contract("JCT")
    flaky_rpc.broken_method = "eth_sendRawTransaction"
    with pytest.raises(client.ChainUnavailable):
        client.send_transaction(jct.functions.approve(escrow.address, WEI), private_key=DEV_KEYS[1])
    assert flaky_rpc.methods.count("eth_sendRawTransaction") == 1
