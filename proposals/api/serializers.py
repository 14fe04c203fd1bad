"""OpenAPI documentation of the proposals API: response shapes and error codes.

The views answer with plain dicts built by ``proposals.presenters`` (shared with the pages);
the serializers here describe those dicts for the schema and are never used to validate or
render (tests check that every documented field is present in real answers). Error codes are
a public contract: each operation lists the codes it can answer with.
"""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from jctgov.core import error_codes as E
from jctgov.core.amounts import TokenAmountText

PAYLOAD_ERRORS = (
    E.INVALID_KIND,
    E.INVALID_PAYLOAD,
    E.UNKNOWN_PARAMETER,
    E.PARAMETER_OUT_OF_BOUNDS,
    E.DUPLICATE_PARAMETER,
    E.INVALID_INTEGER,
    E.INVALID_ADDRESS,
    E.ADDRESS_NOT_CHECKSUMMED,
    E.DUPLICATE_RECIPIENT,
    E.AMOUNT_NOT_POSITIVE,
    E.AMOUNT_TOO_LARGE,
    E.PAYLOAD_EMPTY,
    E.PAYLOAD_TOO_LARGE,
    E.PROGRAM_NOT_FOUND.at(400),
    E.FIELD_REQUIRED,
    E.TEXT_TOO_LONG,
)
CONTENT_ERRORS = (E.MAX_LENGTH, E.INVALID_INPUT, E.INVALID_CHOICE, E.MALFORMED_REQUEST)
VOTE_ERRORS = (
    E.BAD_SIGNATURE,
    E.MALLEABLE_SIGNATURE,
    E.FIELD_REQUIRED,
    E.INVALID_INPUT,
    E.INVALID_CHOICE,
    E.REASON_TOO_LONG,
    E.INVALID_ADDRESS,
    E.INVALID_TIMESTAMP,
    E.TIMESTAMP_IN_FUTURE,
    E.TIMESTAMP_OUT_OF_WINDOW,
    E.MALFORMED_REQUEST,
    E.SIGNATURE_MISMATCH,
    E.NO_VOTING_POWER,
    E.PROPOSAL_NOT_FOUND,
    E.PROPOSAL_NOT_ACTIVE,
    E.PROPOSAL_TERMS_CHANGED,
    E.RATE_LIMITED,
    E.CHAIN_ERROR,
    E.CHAIN_UNAVAILABLE,
)


# Built with type(): "for" is a Python keyword, so it can't be a class attribute.
TallySerializer = type(
    "TallySerializer",
    (serializers.Serializer,),
    {
        "__doc__": "The tally (proposals.tally.Tally.as_dict): live while voting, final once closed.",
        "__module__": __name__,
        "for": TokenAmountText(help_text="veJCT wei voting For"),
        "against": TokenAmountText(),
        "abstain": TokenAmountText(),
        "total_supply": TokenAmountText(help_text="total veJCT at the snapshot block"),
        "quorum_bps": serializers.IntegerField(),
        "quorum": TokenAmountText(
            help_text="For + Abstain needed: ceil(quorum_bps × total_supply / 10,000)"
        ),
        "participation": TokenAmountText(help_text="For + Abstain"),
        "quorum_reached": serializers.BooleanField(),
        "passed": serializers.BooleanField(help_text="quorum reached and For > Against"),
        "outcome": serializers.CharField(help_text="succeeded | defeated | no_quorum"),
    },
)


class ParameterChangeSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()
    unit = serializers.CharField()
    description = serializers.CharField()
    min = TokenAmountText()
    max = TokenAmountText()
    current = TokenAmountText(help_text="the value in force now")
    new = TokenAmountText(help_text="the value the proposal sets")


class ExecutionSerializer(serializers.Serializer):
    """The execution timeline (presenters.execution_data): approval, timelock schedule, ready
    time, execution, or the failure a steward can retry."""

    approved_by = serializers.CharField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    grace_deadline = serializers.DateTimeField(
        allow_null=True, help_text="succeeded and not queued by then: expired"
    )
    waiting_for_executor = serializers.BooleanField(help_text="approved, but no relayer key")
    operation_id = serializers.CharField(allow_null=True, help_text="hashOperationBatch, salt=uid")
    delay_s = serializers.IntegerField(allow_null=True)
    schedule_tx = serializers.CharField(allow_null=True)
    schedule_block = serializers.IntegerField(allow_null=True)
    queued_at = serializers.DateTimeField(allow_null=True)
    ready_at = serializers.DateTimeField(allow_null=True, help_text="chain time")
    execute_tx = serializers.CharField(allow_null=True)
    execute_block = serializers.IntegerField(allow_null=True)
    executed_at = serializers.DateTimeField(allow_null=True)
    cancel_tx = serializers.CharField(allow_null=True)
    retrying = serializers.BooleanField(help_text="the last attempt could not reach the chain")
    failure_code = serializers.CharField(allow_null=True)
    failure_reason = serializers.CharField(allow_null=True)
    approval = serializers.DictField(
        allow_null=True,
        help_text="the Safe's scheduleBatch SafeTx: k of M signatures, who signed, decoded "
        "(GET /api/v1/chain/operations/{id} for its typed data)",
    )
    cancellation = serializers.DictField(
        allow_null=True, help_text="a pending Safe cancel SafeTx, with its signatures"
    )
    rebuilt_reason = serializers.CharField(
        help_text="why the approval SafeTx was rebuilt (its Safe nonce was used): sign again"
    )


class ProposalDetailSerializer(serializers.Serializer):
    """A proposal as GET /proposals/{id} returns it (presenters.proposal_detail_data)."""

    id = serializers.IntegerField()
    uid = serializers.CharField(
        allow_null=True, help_text="keccak256 of the canonical JSON of `content`; null in draft"
    )
    kind = serializers.CharField(help_text="parameters | grant_budget | recognition")
    title = serializers.CharField()
    body = serializers.CharField(help_text="Markdown as written")
    body_html = serializers.CharField(help_text="the body rendered and sanitised")
    discussion_url = serializers.CharField()
    payload = serializers.DictField(help_text="canonical payload of the kind")
    parameter_changes = ParameterChangeSerializer(many=True)
    author = serializers.CharField()
    state = serializers.CharField()
    chain_id = serializers.IntegerField(allow_null=True)
    verifying_contract = serializers.CharField(allow_null=True, help_text="the VotingEscrow")
    snapshot_block = serializers.IntegerField(allow_null=True)
    quorum_bps = serializers.IntegerField(allow_null=True)
    voting_period_s = serializers.IntegerField(allow_null=True)
    proposal_threshold = TokenAmountText(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    cancel_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    tally = TallySerializer(allow_null=True)
    execution = ExecutionSerializer(allow_null=True, help_text="null until the vote passed")
    content = serializers.DictField(allow_null=True, help_text="what the uid hashes")


class DelegatorSerializer(serializers.Serializer):
    address = serializers.CharField(help_text="EIP-55 checksummed address")
    power = TokenAmountText(help_text="veJCT wei at the snapshot block")


class ReceiptSerializer(serializers.Serializer):
    """A vote receipt (presenters.vote_data): everything a third party needs to recheck the
    vote — the typed data the voter signed and the signature (recover the signer from the
    two), and the power counted."""

    id = serializers.CharField(help_text="the vote's EIP-712 digest (0x + 64 hex)")
    proposal = serializers.IntegerField()
    voter = serializers.CharField(help_text="EIP-55 checksummed address")
    choice = serializers.IntegerField(help_text="1 For, 2 Against, 3 Abstain")
    choice_label = serializers.CharField()
    reason = serializers.CharField()
    timestamp = serializers.IntegerField(help_text="Unix seconds, as signed")
    power = TokenAmountText(
        help_text="the voter's own veJCT wei at the snapshot block (decimal string)"
    )
    delegated_power = TokenAmountText(
        help_text="veJCT wei delegated to the voter at the snapshot block by delegators who did "
        "not vote themselves (Snapshot's rule; one level); 0 on a receipt that is not counted"
    )
    delegators = serializers.IntegerField(help_text="how many delegators delegated_power counts")
    delegated_from = DelegatorSerializer(
        many=True, help_text="the delegators counted, with their veJCT wei at the snapshot block"
    )
    total_power = TokenAmountText(
        help_text="power + delegated_power: what the vote weighs while counted"
    )
    signature = serializers.CharField(
        help_text="0x hex: 65 bytes r ‖ s ‖ v, or a contract wallet's EIP-1271 signature "
        "(e.g. a Safe's owners' signatures, concatenated), checked at the snapshot block"
    )
    counted = serializers.BooleanField(help_text="false once a newer vote replaced it")
    received_at = serializers.DateTimeField()
    typed_data = serializers.DictField(help_text="the EIP-712 typed data (eth_signTypedData_v4)")


def VOTE_REASON() -> serializers.CharField:  # noqa: N802 (a field factory, like TokenAmountText)
    """A vote's reason as the API, the typed data and the signature take it: optional, may be
    empty (the typed-data endpoint signs ""), at most 1,000 characters, not trimmed."""
    return serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=1_000,
        default="",
        help_text="optional, may be empty; at most 1,000 characters, signed exactly as sent",
    )


VOTE_REQUEST = inline_serializer(  # component "VoteRequest" (requests get the suffix)
    "Vote",
    fields={
        "voter": serializers.CharField(help_text="0x address; mixed case must be EIP-55"),
        "choice": serializers.IntegerField(help_text="1 For, 2 Against, 3 Abstain"),
        "reason": VOTE_REASON(),
        "timestamp": serializers.IntegerField(help_text="Unix seconds, from the typed data"),
        "signature": serializers.CharField(
            max_length=4_096,
            help_text="eth_signTypedData_v4 result, 65 bytes hex; a contract wallet (EIP-1271, "
            "e.g. a multi-owner Safe) sends what its isValidSignature takes, up to 2,047 bytes",
        ),
    },
)
