"""The parameter registry: every governable marketplace and governance setting, in code.

Each parameter has a type, a unit, inclusive bounds and a default. The chain is the source of
truth for current values (``ParameterStore``, owned by the timelock, keyed by
``keccak256(key)``); the database mirrors its ``ParameterChanged`` events in
``jctgov.chain.models.ParameterMirror``. Until a value has been set on chain, the default holds.

Governance reads its own rules (voting period, quorum, threshold, ...) from here, so a
``parameters`` proposal can change them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from eth_utils import keccak

from jctgov.core.errors import ApplicationError

Kind = Literal["bps", "token", "duration", "integer", "usd"]

WEI = 10**18
DAY = 86_400
_DIGITS = re.compile(r"^[0-9]{1,78}\Z")  # \Z: "$" would let a trailing "\n" in
UINT256_MAX = 2**256 - 1


@dataclass(frozen=True)
class Parameter:
    """One governable setting. Values are integers: bps, wei, seconds, counts or USD cents."""

    key: str
    kind: Kind
    unit: str
    min: int
    max: int
    default: int
    description: str
    name: str = ""  # what people call it ("Quorum"); the key is the detail
    chain_key: str = field(init=False)

    def __post_init__(self) -> None:
        if not (0 <= self.min <= self.default <= self.max <= UINT256_MAX):
            raise ValueError(f"{self.key}: default must lie inside [min, max]")
        # bytes32 key of ParameterStore.setParameter(bytes32 key, uint256 value).
        object.__setattr__(self, "chain_key", "0x" + keccak(text=self.key).hex())

    def allows(self, value: int) -> bool:
        """Whether ``value`` lies inside the inclusive bounds (ParameterStore checks the same)."""
        return self.min <= value <= self.max

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name or self.key,
            "kind": self.kind,
            "unit": self.unit,
            "min": self.min,
            "max": self.max,
            "default": self.default,
            "description": self.description,
            "chain_key": self.chain_key,
        }


def _bps(
    key: str, name: str, default: int, description: str, lo: int = 0, hi: int = 10_000
) -> Parameter:
    unit = "basis points (1/100 of a percent)"
    return Parameter(key, "bps", unit, lo, hi, default, description, name)


def _duration(key: str, name: str, default: int, lo: int, hi: int, description: str) -> Parameter:
    return Parameter(key, "duration", "seconds", lo, hi, default, description, name)


def _count(key: str, name: str, default: int, lo: int, hi: int, description: str) -> Parameter:
    return Parameter(key, "integer", "count", lo, hi, default, description, name)


def _token(key: str, name: str, default: int, lo: int, hi: int, description: str) -> Parameter:
    return Parameter(key, "token", "veJCT wei (10^-18)", lo, hi, default, description, name)


def _timelock_delay_default() -> int:
    """Two days, unless the deployment sets JCTGOV_TIMELOCK_DELAY_S (a short dev delay): the
    timelock's on-chain minDelay is deployed equal to this value."""
    from django.conf import settings

    return int(getattr(settings, "JCTGOV_TIMELOCK_DELAY_S", 2 * DAY))


_PARAMETERS: list[Parameter] = [
    # --- marketplace fees (io.net: 2% on USDC payments, 0.25% reservation fee) -------------
    _bps(
        "market.stablecoin_fee_bps",
        "Stablecoin payment fee",
        200,
        "Fee on compute paid in the stablecoin.",
        0,
        1_000,
    ),
    _bps("market.jct_fee_bps", "JCT payment fee", 100, "Fee on compute paid in JCT.", 0, 1_000),
    _bps(
        "market.reservation_fee_bps",
        "Reservation fee",
        25,
        "Fee for reserving GPUs ahead of use.",
        0,
        500,
    ),
    _token(
        "market.min_provider_vejct",
        "Minimum provider veJCT",
        1_000 * WEI,
        0,
        10**9 * WEI,
        "veJCT a provider must hold to bid for jobs.",
    ),
    # --- matching score weights (they need not sum to 10,000; the engine normalises) ------
    _bps(
        "market.weight_price",
        "Matching weight: price",
        4_000,
        "Weight of the ask price in the matching score.",
    ),
    _bps(
        "market.weight_stake",
        "Matching weight: stake",
        2_000,
        "Weight of the provider's veJCT in the matching score.",
    ),
    _bps(
        "market.weight_uptime",
        "Matching weight: uptime",
        2_000,
        "Weight of measured uptime in the matching score.",
    ),
    _bps(
        "market.weight_reliability",
        "Matching weight: reliability",
        2_000,
        "Weight of lease reliability in the matching score.",
    ),
    _duration(
        "market.heartbeat_interval_s",
        "Heartbeat interval",
        60,
        10,
        3_600,
        "Seconds between the heartbeats a node is expected to send.",
    ),
    _bps(
        "market.min_uptime_bps",
        "Minimum provider uptime",
        9_000,
        "Uptime a provider needs to bid for jobs.",
    ),
    # --- market fairness and honest reliability (issue 15) --------------------------------
    _count(
        "market.max_pending_jobs_per_wallet",
        "Pending jobs per wallet",
        20,
        1,
        1_000,
        "Pending compute jobs one wallet may have at once (anti-flood).",
    ),
    _duration(
        "market.job_expiry_s",
        "Job expiry",
        DAY,
        600,
        30 * DAY,
        "How long a compute job waits for a match before it expires.",
    ),
    _count(
        "market.job_submissions_per_hour",
        "Job submissions per hour",
        60,
        1,
        10_000,
        "Compute jobs one wallet may submit per hour (429 with Retry-After beyond it).",
    ),
    _duration(
        "market.confirmation_window_s",
        "Lease confirmation window",
        3 * DAY,
        3_600,
        30 * DAY,
        "Time a job owner has to confirm or dispute a completed lease; undisputed, it then "
        "counts toward the provider's reliability.",
    ),
    # --- governance's own rules ------------------------------------------------------------
    # Lower bounds are small (one minute) so dev chains and demos can run a whole lifecycle.
    _duration(
        "governance.voting_period_s",
        "Voting period",
        3 * DAY,
        60,
        30 * DAY,
        "How long a proposal is open for votes once published.",
    ),
    _bps(
        "governance.quorum_bps",
        "Quorum",
        400,
        "Share of total veJCT at the snapshot that must vote For or Abstain.",
        1,
        10_000,
    ),
    _token(
        "governance.proposal_threshold",
        "Proposal threshold",
        100 * WEI,
        1 * WEI,
        10**9 * WEI,
        "veJCT an author must hold now to publish a proposal.",
    ),
    _duration(
        "governance.timelock_delay_s",
        "Timelock delay",
        _timelock_delay_default(),
        60,
        30 * DAY,
        "Delay between scheduling a passed proposal on the timelock and executing it.",
    ),
    _count(
        "governance.snapshot_confirmations",
        "Snapshot confirmations",
        2,
        0,
        256,
        "Blocks behind the head at which voting power is snapshotted (reorg safety).",
    ),
    _duration(
        "governance.execution_grace_s",
        "Execution grace period",
        14 * DAY,
        60,
        90 * DAY,
        "Time a succeeded proposal has to be queued before it expires.",
    ),
    _count(
        "governance.max_active_per_author",
        "Open proposals per author",
        3,
        1,
        100,
        "Pending or active proposals one author may have at once (anti-spam).",
    ),
    # --- grants -----------------------------------------------------------------------------
    _count(
        "grants.min_reviews",
        "Reviews per application",
        2,
        1,
        20,
        "Reviews an application needs before a decision.",
    ),
]

REGISTRY: dict[str, Parameter] = {p.key: p for p in _PARAMETERS}
BY_CHAIN_KEY: dict[str, Parameter] = {p.chain_key: p for p in _PARAMETERS}


def get_parameter(key: str) -> Parameter:
    """The registered parameter ``key``; ApplicationError ``unknown_parameter`` otherwise."""
    try:
        return REGISTRY[key]
    except (KeyError, TypeError):
        raise ApplicationError(
            f"Unknown parameter {key!r}.", code="unknown_parameter", field="key"
        ) from None


def coerce_int(value: Any, *, field: str = "value") -> int:
    """An integer from JSON: an int, or a string of decimal digits (token amounts exceed 2^53).

    Floats, booleans, exponents and signs are refused: a value is exact or it is an error.
    """
    if isinstance(value, bool):
        raise ApplicationError(
            "Expected an integer, got a boolean.", code="invalid_integer", field=field
        )
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and _DIGITS.match(value.strip()):
        return int(value.strip())
    raise ApplicationError(
        f"Expected a whole number, got {value!r}.", code="invalid_integer", field=field
    )


def validate_value(key: str, value: Any, *, field: str = "value") -> int:
    """``value`` as an int if it is a whole number inside ``key``'s bounds; else ApplicationError."""
    param = get_parameter(key)
    number = coerce_int(value, field=field)
    if not param.allows(number):
        raise ApplicationError(
            f"{key} must be between {param.min} and {param.max} {param.unit}; got {number}.",
            code="parameter_out_of_bounds",
            field=field,
            extra={"min": str(param.min), "max": str(param.max)},
        )
    return number


@dataclass(frozen=True)
class ChainState:
    """What the ParameterStore mirror says about one key.

    ``value``: the last mirrored value inside the bounds (None: none, the default holds).
    ``out_of_range``: the raw value of the latest chain event when it lay outside the bounds:
    it is shown, never used."""

    value: int | None
    out_of_range: int | None
    block_number: int
    tx_hash: str


# (key_hash, value, out_of_range_value, block_number, tx_hash) rows of the mirror for some keys.
MirrorReader = Callable[[list[str]], Iterable[tuple[str, Any, Any, int, str]]]
_mirror_reader: MirrorReader | None = None


def set_mirror_reader(reader: MirrorReader) -> None:
    """Plug in the reader of the ParameterStore mirror. The chain app owns the mirror and calls
    this when it is ready (``jctgov.chain.apps``), so the registry imports no app."""
    global _mirror_reader
    _mirror_reader = reader


def _mirror(chain_keys: list[str]) -> dict[str, ChainState]:
    """The mirror's state per chain key (0x + lower-case hex), for keys set on chain."""
    if _mirror_reader is None:
        raise RuntimeError("No ParameterStore mirror reader: is jctgov.chain installed?")
    rows = _mirror_reader(chain_keys)
    out = {}
    for key_hash, value, out_of_range, block, tx_hash in rows:
        param = BY_CHAIN_KEY.get(key_hash)
        valid = None if value is None else int(value)
        if valid is not None and param is not None and not param.allows(valid):
            # A row mirrored before the indexer checked bounds, or bounds narrowed since.
            valid, out_of_range = None, value
        out[key_hash] = ChainState(
            value=valid,
            out_of_range=None if out_of_range is None else int(out_of_range),
            block_number=int(block),
            tx_hash=tx_hash,
        )
    return out


def _in_force(param: Parameter, state: ChainState | None) -> int:
    return param.default if state is None or state.value is None else state.value


def current_value(key: str) -> int:
    """The value in force: the latest mirrored on-chain value inside the bounds, else the default."""
    param = get_parameter(key)
    return _in_force(param, _mirror([param.chain_key]).get(param.chain_key))


def current_values() -> dict[str, int]:
    """Every parameter's value in force, in one query."""
    mirror = _mirror(list(BY_CHAIN_KEY))
    return {p.key: _in_force(p, mirror.get(p.chain_key)) for p in _PARAMETERS}


def parameter_rows() -> list[dict[str, Any]]:
    """Every parameter for the API and the pages: the registry fields, ``current`` (in force),
    ``source`` ("chain" or "default"), and ``chain_value_out_of_range`` (the raw chain value,
    as a string, while the chain holds one outside the bounds; else None). One query."""
    mirror = _mirror(list(BY_CHAIN_KEY))
    rows = []
    for param in _PARAMETERS:
        state = mirror.get(param.chain_key)
        rows.append(
            {
                **param.as_dict(),
                "current": _in_force(param, state),
                "source": "chain" if state is not None and state.value is not None else "default",
                "chain_value_out_of_range": (
                    None if state is None or state.out_of_range is None else str(state.out_of_range)
                ),
                "block_number": state.block_number if state is not None else None,
                "tx_hash": state.tx_hash if state is not None else None,
            }
        )
    return rows
