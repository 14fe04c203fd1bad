"""The pure matching engine: filter, score, assign — invariants, determinism, weights."""

import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from jctgov.market import quotes
from jctgov.market.engine import PRICE_ONLY, Job, Offer, Weights, feasible, match, offers_after

WEI = 10**18
D = Decimal


def offer(
    id="o1",
    *,
    provider=None,
    model="H100 80GB",
    gpus=8,
    vram=80,
    ask="2.00",
    hours=100,
    stake=1_000 * WEI,
    uptime=9_900,
    reliability=0.99,
    eligible=True,
) -> Offer:
    return Offer(
        id=id,
        provider=provider or f"p-{id}",
        gpu_model=model,
        gpu_count=gpus,
        vram_gb=vram,
        ask=D(ask),
        hours=D(hours),
        stake=stake,
        uptime_bps=uptime,
        reliability=reliability,
        eligible=eligible,
    )


def job(
    id="j1", *, model="H100 80GB", gpus=1, vram=1, hours=10, max_price="3.00", token="stablecoin"
) -> Job:
    return Job(
        id=id,
        gpu_model=model,
        gpus=gpus,
        vram_min=vram,
        hours=D(hours),
        max_price=D(max_price),
        payment_token=token,
    )


def test_engine_and_quotes_import_without_django():
    root = Path(quotes.__file__).parent
    code = (
        "import importlib.util, sys\n"
        f"for name, file in (('engine', 'engine/__init__.py'), ('quotes', 'quotes.py')):\n"
        f"    spec = importlib.util.spec_from_file_location(name, r'{root}/' + file)\n"
        "    sys.modules[name] = module = importlib.util.module_from_spec(spec)\n"
        "    spec.loader.exec_module(module)\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_job_goes_to_the_cheapest_feasible_offer_at_its_ask():
    offers = [
        offer("a", ask="2.50"),
        offer("b", ask="1.90"),
        offer("c", ask="1.50", model="A100 80GB"),
    ]
    result = match([job(gpus=2, hours=10)], offers, PRICE_ONLY)
    [a] = result.assignments
    assert (a.offer_id, a.price, a.gpu_hours, a.gpus) == ("b", D("1.90"), D(20), 2)
    assert result.stats.surplus == (D("3.00") - D("1.90")) * 20


def test_any_model_job_takes_any_gpu_with_enough_vram():
    offers = [
        offer("small", model="RTX 4090", vram=24, ask="0.40"),
        offer("big", model="L40S", vram=48, ask="0.90"),
    ]
    result = match([job(model=None, vram=40)], offers, PRICE_ONLY)
    assert [a.offer_id for a in result.assignments] == ["big"]


def test_filter_refuses_price_count_hours_model_and_eligibility():
    j = job(gpus=4, hours=50, max_price="2.00")
    refused = [
        offer("pricey", ask="2.01"),
        offer("few", gpus=2),
        offer("short", hours=49),
        offer("model", model="A100 80GB"),
        offer("off", eligible=False),
        offer("unstaked", stake=10 * WEI),
        offer("flaky", uptime=8_000),
    ]
    result = match([j], refused, PRICE_ONLY, min_stake=100 * WEI, min_uptime_bps=9_000)
    assert result.assignments == () and result.unmatched_job_ids == ("j1",)
    assert result.stats.feasible_pairs == 0


def test_a_node_hosts_several_jobs_until_its_gpus_run_out():
    jobs = [job(f"j{i}", gpus=3) for i in range(4)]
    result = match(jobs, [offer("n", gpus=8)], PRICE_ONLY)
    assert len(result.assignments) == 2 and len(result.unmatched_job_ids) == 2
    assert offers_after([offer("n", gpus=8)], result)[0].gpu_count == 2


def test_max_jobs_per_offer_makes_nodes_exclusive():
    jobs = [job(f"j{i}", gpus=1) for i in range(3)]
    result = match(
        jobs, [offer("n", gpus=8), offer("m", gpus=8, ask="2.50")], PRICE_ONLY, max_jobs_per_offer=1
    )
    assert sorted(a.offer_id for a in result.assignments) == ["m", "n"]


def test_stake_weight_prefers_the_high_stake_provider():
    offers = [
        offer("cheap", ask="2.00", stake=1_000 * WEI),
        offer("whale", ask="2.05", stake=10**6 * WEI),
    ]
    assert match([job()], offers, PRICE_ONLY).assignments[0].offer_id == "cheap"
    staked = Weights(price=4_000, stake=6_000, uptime=0, reliability=0)
    assert match([job()], offers, staked).assignments[0].offer_id == "whale"


def test_uptime_and_reliability_weights_prefer_the_dependable_node():
    offers = [
        offer("shaky", uptime=9_000, reliability=0.6),
        offer("solid", ask="2.01", uptime=9_999, reliability=0.99),
    ]
    w = Weights.from_params(
        {
            "market.weight_price": 4_000,
            "market.weight_stake": 0,
            "market.weight_uptime": 3_000,
            "market.weight_reliability": 3_000,
        }
    )
    assert match([job()], offers, w).assignments[0].offer_id == "solid"


def test_ties_go_to_the_lower_offer_id():
    result = match([job()], [offer("o2"), offer("o1"), offer("o3")], PRICE_ONLY)
    assert result.assignments[0].offer_id == "o1"


def test_the_higher_surplus_job_wins_a_contested_node():
    jobs = [job("small", gpus=1, hours=1), job("big", gpus=8, hours=10)]
    result = match(jobs, [offer("only", gpus=8)], PRICE_ONLY)
    assert [a.job_id for a in result.assignments] == ["big"]


def test_an_unmatched_job_gets_a_place_when_the_occupant_can_move():
    # Greedy gives "flex" the cheap node first (higher surplus); the pass moves it to "alt" so
    # "stuck", which fits only the cheap node, also runs.
    jobs = [
        job("flex", gpus=8, hours=10, max_price="3.00"),
        job("stuck", gpus=8, hours=90, max_price="2.10"),
    ]
    offers = [offer("cheap", ask="2.00"), offer("alt", ask="2.20")]
    result = match(jobs, offers, PRICE_ONLY)
    assert {(a.job_id, a.offer_id) for a in result.assignments} == {
        ("flex", "alt"),
        ("stuck", "cheap"),
    }


# ---------- properties ----------

MODELS = ["H100 80GB", "A100 40GB", "RTX 4090"]
prices = st.decimals(min_value=D("0.10"), max_value=D("4.00"), places=2)
offers_st = st.lists(
    st.builds(
        lambda i, m, g, a, h, s, u, r, e: offer(
            f"o{i}",
            provider=f"p{i % 3}",
            model=m,
            gpus=g,
            vram={"H100 80GB": 80, "A100 40GB": 40}.get(m, 24),
            ask=a,
            hours=h,
            stake=s * WEI,
            uptime=u,
            reliability=r,
            eligible=e,
        ),
        st.integers(0, 10**6),
        st.sampled_from(MODELS),
        st.sampled_from([1, 2, 4, 8]),
        prices,
        st.integers(1, 100),
        st.integers(0, 10**5),
        st.integers(8_000, 10_000),
        st.floats(0, 1),
        st.booleans(),
    ),
    max_size=12,
    unique_by=lambda o: o.id,
)
jobs_st = st.lists(
    st.builds(
        lambda i, m, g, v, h, p, t: job(
            f"j{i}", model=m, gpus=g, vram=v, hours=h, max_price=p, token=t
        ),
        st.integers(0, 10**6),
        st.none() | st.sampled_from(MODELS),
        st.sampled_from([1, 2, 4, 8]),
        st.sampled_from([1, 24, 40, 80]),
        st.integers(1, 100),
        prices,
        st.sampled_from(["stablecoin", "jct"]),
    ),
    max_size=15,
    unique_by=lambda j: j.id,
)
weights_st = st.builds(Weights, *[st.integers(0, 10_000)] * 4)
KW = {"min_stake": 10 * WEI, "min_uptime_bps": 9_000}


@settings(max_examples=150, deadline=None)
@given(jobs_st, offers_st, weights_st, st.none() | st.integers(1, 3))
def test_assignments_are_feasible_within_capacity_and_never_double_booked(jobs, offers, w, cap):
    result = match(jobs, offers, w, max_jobs_per_offer=cap, **KW)
    by_job, by_offer = {j.id: j for j in jobs}, {o.id: o for o in offers}
    assigned = [a.job_id for a in result.assignments]
    assert len(assigned) == len(set(assigned))
    assert sorted(assigned + list(result.unmatched_job_ids)) == sorted(by_job)
    used: dict[str, int] = {}
    for a in result.assignments:
        j, o = by_job[a.job_id], by_offer[a.offer_id]
        assert feasible(j, o, **KW)
        assert (a.price, a.gpus, a.gpu_hours) == (o.ask, j.gpus, j.gpus * j.hours)
        assert 0 <= a.score <= 1
        used[o.id] = used.get(o.id, 0) + j.gpus
    assert all(used[k] <= by_offer[k].gpu_count for k in used)
    if cap is not None:
        hosted = [a.offer_id for a in result.assignments]
        assert all(hosted.count(k) <= cap for k in set(hosted))


@settings(max_examples=60, deadline=None)
@given(jobs_st, offers_st, weights_st, st.randoms(use_true_random=False))
def test_shuffled_input_gives_the_identical_result(jobs, offers, w, rnd):
    first = match(jobs, offers, w, **KW)
    rnd.shuffle(jobs)
    rnd.shuffle(offers)
    assert match(jobs, offers, w, **KW) == first


@settings(max_examples=60, deadline=None)
@given(jobs_st, offers_st)
def test_an_unmatched_job_has_no_offer_left_that_fits_it(jobs, offers):
    result = match(jobs, offers, PRICE_ONLY, **KW)
    left = {o.id: o for o in offers_after(offers, result)}
    by_job = {j.id: j for j in jobs}
    for job_id in result.unmatched_job_ids:
        assert not any(feasible(by_job[job_id], o, **KW) for o in left.values())


@settings(max_examples=60, deadline=None)
@given(jobs_st, offers_st, weights_st)
def test_round_after_round_no_node_is_booked_past_its_gpus_and_stats_add_up(jobs, offers, w):
    """Two rounds the way the beat runs them: the second sees only what the first left."""
    first = match(jobs, offers, w, **KW)
    left_jobs = [j for j in jobs if j.id in set(first.unmatched_job_ids)]
    second = match(left_jobs, offers_after(offers, first), w, **KW)
    by_job, capacity = {j.id: j for j in jobs}, {o.id: o.gpu_count for o in offers}
    booked: dict[str, int] = {}
    for result in (first, second):
        for a in result.assignments:
            booked[a.offer_id] = booked.get(a.offer_id, 0) + a.gpus
        stats = result.stats
        assert stats.matched == len(result.assignments)
        assert stats.gpu_hours == sum((a.gpu_hours for a in result.assignments), D(0))
        assert stats.surplus == sum(
            ((by_job[a.job_id].max_price - a.price) * a.gpu_hours for a in result.assignments),
            D(0),
        )
    assert all(booked[k] <= capacity[k] for k in booked)
    matched_twice = {a.job_id for a in first.assignments} & {a.job_id for a in second.assignments}
    assert not matched_twice


def test_a_large_shuffled_round_is_identical():
    rnd = random.Random(7)
    offers = [
        offer(
            f"o{i}",
            model=rnd.choice(MODELS),
            gpus=rnd.choice([1, 2, 4, 8]),
            ask=f"{rnd.uniform(0.2, 3):.2f}",
            stake=rnd.randint(0, 10**4) * WEI,
        )
        for i in range(300)
    ]
    jobs = [
        job(
            f"j{i}",
            model=rnd.choice(MODELS + [None]),
            gpus=rnd.choice([1, 2, 4]),
            max_price=f"{rnd.uniform(0.5, 3):.2f}",
        )
        for i in range(200)
    ]
    w = Weights(4_000, 2_000, 2_000, 2_000)
    first = match(jobs, offers, w)
    rnd.shuffle(jobs)
    rnd.shuffle(offers)
    assert match(jobs, offers, w) == first and first.stats.matched > 100
