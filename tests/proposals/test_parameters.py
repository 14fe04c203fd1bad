"""The parameter registry: every DESIGN.md parameter, bounds, defaults, chain keys, the API."""

import pytest
from eth_utils import keccak

from jctgov.core import parameters
from jctgov.core.errors import ApplicationError

DESIGN_KEYS = {
    "market.stablecoin_fee_bps",
    "market.jct_fee_bps",
    "market.reservation_fee_bps",
    "market.min_provider_vejct",
    "market.weight_price",
    "market.weight_stake",
    "market.weight_uptime",
    "market.weight_reliability",
    "market.heartbeat_interval_s",
    "market.min_uptime_bps",
    "governance.voting_period_s",
    "governance.quorum_bps",
    "governance.proposal_threshold",
    "governance.timelock_delay_s",
    "governance.snapshot_confirmations",
    "governance.execution_grace_s",
    "governance.max_active_per_author",
    "grants.min_reviews",
}


def test_registry_defines_every_design_parameter_with_default_inside_bounds():
    assert DESIGN_KEYS <= set(parameters.REGISTRY)
    for param in parameters.REGISTRY.values():
        assert param.min <= param.default <= param.max
        assert param.kind in {"bps", "token", "duration", "integer", "usd"}


def test_chain_key_is_keccak_of_the_key_string():
    param = parameters.get_parameter("market.jct_fee_bps")
    assert param.chain_key == "0x" + keccak(text="market.jct_fee_bps").hex()
    assert len(param.chain_key) == 66


@pytest.mark.django_db
def test_defaults_match_the_io_net_reference_fees():
    values = parameters.current_values()
    assert values["market.stablecoin_fee_bps"] == 200
    assert values["market.reservation_fee_bps"] == 25
    assert values["governance.proposal_threshold"] == 100 * 10**18


def test_unknown_parameter_is_refused_with_its_code():
    with pytest.raises(ApplicationError) as err:
        parameters.get_parameter("market.free_lunch")
    assert err.value.code == "unknown_parameter"


@pytest.mark.parametrize("value", [1001, -1, 10**30])
def test_value_outside_bounds_is_refused_naming_the_bounds(value):
    with pytest.raises(ApplicationError) as err:
        parameters.validate_value("market.jct_fee_bps", value)
    assert err.value.code in {"parameter_out_of_bounds", "invalid_integer"}
    if value >= 0:
        assert "between 0 and 1000" in err.value.message
        assert err.value.field == "value"


@pytest.mark.parametrize("value", [1.5, True, "1e3", "12a", None, [1]])
def test_non_integer_values_are_refused(value):
    with pytest.raises(ApplicationError) as err:
        parameters.validate_value("market.jct_fee_bps", value)
    assert err.value.code == "invalid_integer"


def test_bounds_are_inclusive_and_digit_strings_are_accepted():
    assert parameters.validate_value("market.jct_fee_bps", 0) == 0
    assert parameters.validate_value("market.jct_fee_bps", "1000") == 1000
    big = str(5_000 * 10**18)
    assert parameters.validate_value("market.min_provider_vejct", big) == int(big)


def test_short_governance_periods_are_allowed_for_dev_chains():
    assert parameters.validate_value("governance.voting_period_s", 60) == 60
    assert parameters.validate_value("governance.timelock_delay_s", 60) == 60


@pytest.mark.django_db
def test_parameters_api_lists_every_parameter_with_its_current_value(client):
    response = client.get("/api/v1/parameters")
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.json()}
    assert DESIGN_KEYS <= set(rows)
    fee = rows["market.stablecoin_fee_bps"]
    assert fee["current"] == "200" and fee["min"] == "0" and fee["max"] == "1000"
    assert fee["chain_key"] == parameters.get_parameter("market.stablecoin_fee_bps").chain_key


@pytest.mark.django_db
def test_mirrored_chain_value_overrides_the_default():
    from jctgov.chain.models import ParameterMirror

    param = parameters.get_parameter("market.jct_fee_bps")
    ParameterMirror.objects.create(
        key_hash=param.chain_key, value=75, block_number=10, tx_hash="0x" + "ab" * 32
    )
    assert parameters.current_value("market.jct_fee_bps") == 75
    assert parameters.current_values()["market.jct_fee_bps"] == 75
    assert parameters.current_values()["market.stablecoin_fee_bps"] == 200  # still the default


def test_every_parameter_has_a_unit_a_description_and_a_human_name():
    names = [param.name for param in parameters.REGISTRY.values()]
    assert all(names) and len(set(names)) == len(names)  # the form lists them by name
    for param in parameters.REGISTRY.values():
        assert param.unit and param.description.endswith(".")
        assert set(param.as_dict()) == {
            "key",
            "name",
            "kind",
            "unit",
            "min",
            "max",
            "default",
            "description",
            "chain_key",
        }
