"""The engine's data: offers, jobs, score weights, and a round's result. Plain frozen
dataclasses, exact ``Decimal`` prices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

BPS = 10_000
WEI_PER_JCT = 10**18
PAYMENT_TOKENS = ("stablecoin", "jct")


@dataclass(frozen=True, slots=True)
class Offer:
    """Free capacity on one node. ``ask`` is USD per GPU-hour; ``stake`` is the provider's veJCT in wei."""

    id: str
    provider: str
    gpu_model: str
    gpu_count: int
    vram_gb: int
    ask: Decimal
    hours: Decimal
    stake: int
    uptime_bps: int
    reliability: float | Decimal
    eligible: bool
    region: str = ""
    # The wallet that owns the node. A job never matches its submitter's own nodes: otherwise a
    # provider could feed itself leases and report them completed to inflate its reliability.
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class Job:
    """A compute request. ``gpu_model=None`` means any model with ``vram_gb ≥ vram_min``."""

    id: str
    gpu_model: str | None
    gpus: int
    vram_min: int
    hours: Decimal
    max_price: Decimal
    payment_token: str = "stablecoin"
    submitter: str | None = None  # the submitting wallet (None: unknown, e.g. old replay records)

    @property
    def gpu_hours(self) -> Decimal:
        return self.gpus * Decimal(self.hours)


@dataclass(frozen=True, slots=True)
class Weights:
    """Score weights in basis points (governance parameters ``market.weight_*``)."""

    price: int
    stake: int
    uptime: int
    reliability: int

    def __post_init__(self) -> None:
        if min(self.price, self.stake, self.uptime, self.reliability) < 0:
            raise ValueError("weights must be ≥ 0")

    @property
    def total(self) -> int:
        return self.price + self.stake + self.uptime + self.reliability

    @classmethod
    def from_params(cls, values: Mapping[str, int]) -> Weights:
        """Build from the parameter registry's values (keys ``market.weight_price`` …)."""
        return cls(
            price=int(values["market.weight_price"]),
            stake=int(values["market.weight_stake"]),
            uptime=int(values["market.weight_uptime"]),
            reliability=int(values["market.weight_reliability"]),
        )


PRICE_ONLY = Weights(price=BPS, stake=0, uptime=0, reliability=0)


@dataclass(frozen=True, slots=True)
class Assignment:
    """Job ``job_id`` runs on offer ``offer_id`` at the offer's ask; ``score`` in [0, 1]."""

    job_id: str
    offer_id: str
    provider: str
    gpus: int
    hours: Decimal
    price: Decimal
    gpu_hours: Decimal
    score: float


@dataclass(frozen=True, slots=True)
class RoundStats:
    jobs: int
    offers: int
    offers_admissible: int
    feasible_pairs: int
    matched: int
    gpu_hours: Decimal
    surplus: Decimal


@dataclass(frozen=True, slots=True)
class RoundResult:
    """Assignments and unmatched job ids, both sorted by job id."""

    assignments: tuple[Assignment, ...]
    unmatched_job_ids: tuple[str, ...]
    stats: RoundStats
