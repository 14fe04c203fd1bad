"""Every error code the API answers with, written once: code, HTTP status, what it means.

An error body is ``{"error": {"code": ..., "message": ..., "field": ...}}`` (jctgov.core.errors);
``message`` says what went wrong this time, the registry says what the code means. Error codes
are a public contract: never rename one. Views declare the codes each operation answers with
by naming entries here (``error_responses(E.NOT_STEWARD, E.PROPOSAL_NOT_FOUND)``); the OpenAPI
schema lists them per status from this table (jctgov.core.schema). Services keep raising
``ApplicationError(..., code="...")``: tests check that every code raised in the code base is
here with its status, and that every error the test suite receives is here and declared for its
operation.

A few codes were published with two statuses before this table existed (``bad_signature`` is 400
on a vote and 401 on sign-in); ``also`` lists the second, and a view names it with ``.at(401)``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    description: str
    also: tuple[int, ...] = ()  # other statuses this code is answered with, in some operations

    @property
    def statuses(self) -> tuple[int, ...]:
        return (self.status, *self.also)

    def at(self, status: int) -> ErrorCode:
        """This code as one operation answers it, with another of its statuses."""
        if status not in self.statuses:
            raise ValueError(f"{self.code} is not answered with {status}")
        return replace(self, status=status)

    def __str__(self) -> str:
        return self.code


# --- any operation: input, authentication, the HTTP layer ----------------------------------
MALFORMED_REQUEST = ErrorCode("malformed_request", 400, "The body is not valid JSON.")
INVALID_INPUT = ErrorCode("invalid_input", 400, "A value has the wrong type, range or form.")
FIELD_REQUIRED = ErrorCode("field_required", 400, "A required field is missing or empty.")
TEXT_TOO_LONG = ErrorCode("text_too_long", 400, "A text is over its length limit.")
INVALID_TEXT = ErrorCode(
    "invalid_text", 400, "A text holds a NUL character or an unpaired UTF-16 surrogate."
)
BIDI_CONTROL_CHARACTER = ErrorCode(
    "bidi_control_character", 400, "A text holds a bidirectional control character."
)
MAX_LENGTH = ErrorCode("max_length", 400, "A text is over its length limit (older name).")
NOT_AUTHENTICATED = ErrorCode("not_authenticated", 401, "Sign in first.")
AUTHENTICATION_FAILED = ErrorCode("authentication_failed", 401, "The credential was refused.")
PERMISSION_DENIED = ErrorCode(
    "permission_denied", 403, "Not allowed, or the CSRF token is missing."
)
NOT_FOUND = ErrorCode("not_found", 404, "No such object.")
METHOD_NOT_ALLOWED = ErrorCode("method_not_allowed", 405, "This method is not allowed here.")
NOT_ACCEPTABLE = ErrorCode("not_acceptable", 406, "The Accept header asks for no format we send.")
REQUEST_TOO_LARGE = ErrorCode("request_too_large", 413, "The body is over the size limit.")
UNSUPPORTED_MEDIA_TYPE = ErrorCode("unsupported_media_type", 415, "Send JSON.")
RATE_LIMITED = ErrorCode("rate_limited", 429, "Too many requests: retry after Retry-After s.")
SERVER_ERROR = ErrorCode("server_error", 500, "An internal error; it has been logged.")
CHAIN_ERROR = ErrorCode("chain_error", 502, "The chain answered with an error.")
CHAIN_REVERTED = ErrorCode("chain_reverted", 502, "The chain transaction or call reverted.")
CHAIN_NOT_DEPLOYED = ErrorCode("chain_not_deployed", 502, "A contract is not deployed.")
BLOCK_NOT_FOUND = ErrorCode("block_not_found", 502, "The chain has no such block yet.")
CHAIN_UNAVAILABLE = ErrorCode("chain_unavailable", 503, "The chain RPC is unreachable: retry.")

# --- values -----------------------------------------------------------------------------
INVALID_ADDRESS = ErrorCode("invalid_address", 400, "Not an Ethereum address.")
ADDRESS_NOT_CHECKSUMMED = ErrorCode(
    "address_not_checksummed", 400, "A mixed-case address fails its EIP-55 checksum."
)
INVALID_AMOUNT = ErrorCode("invalid_amount", 400, "Send token amounts as integer wei strings.")
AMOUNT_NOT_POSITIVE = ErrorCode("amount_not_positive", 400, "The amount must be positive.")
AMOUNT_TOO_LARGE = ErrorCode("amount_too_large", 400, "The amount exceeds one billion JCT.")
INVALID_INTEGER = ErrorCode("invalid_integer", 400, "Expected a whole number.")
INVALID_DATE = ErrorCode("invalid_date", 400, "Use a YYYY-MM-DD date.")
INVALID_CHOICE = ErrorCode("invalid_choice", 400, "Choice must be 1 (For), 2 (Against) or 3.")
REASON_REQUIRED = ErrorCode("reason_required", 400, "Give a reason.")
REASON_TOO_LONG = ErrorCode("reason_too_long", 400, "The reason is over its length limit.")

# --- sign-in (EIP-4361) -----------------------------------------------------------------
MALFORMED_MESSAGE = ErrorCode("malformed_message", 400, "Not canonical EIP-4361 text.")
INVALID_NONCE = ErrorCode(
    "invalid_nonce", 401, "The nonce is unknown, expired, used, or from another session."
)
DOMAIN_MISMATCH = ErrorCode("domain_mismatch", 401, "The message names another domain.")
URI_MISMATCH = ErrorCode("uri_mismatch", 401, "The message URI is not on this site.")
CHAIN_MISMATCH = ErrorCode("chain_mismatch", 401, "The message names another chain.")
MESSAGE_EXPIRED = ErrorCode("message_expired", 401, "The sign-in message has expired.")
MESSAGE_NOT_YET_VALID = ErrorCode("message_not_yet_valid", 401, "Not valid yet (Not Before).")
ISSUED_AT_OUT_OF_RANGE = ErrorCode(
    "issued_at_out_of_range", 401, "The message's Issued At is too far from now."
)

# --- proposals and votes ----------------------------------------------------------------
PROPOSAL_NOT_FOUND = ErrorCode("proposal_not_found", 404, "No such proposal.")
INVALID_STATE = ErrorCode("invalid_state", 409, "Not possible in the proposal's state.")
NOT_AUTHOR = ErrorCode("not_author", 403, "Only the author can do this.")
NOT_ALLOWED = ErrorCode("not_allowed", 403, "Only the author or a steward can cancel.")
TOO_MANY_DRAFTS = ErrorCode("too_many_drafts", 409, "Too many drafts: publish or cancel one.")
TOO_MANY_ACTIVE_PROPOSALS = ErrorCode(
    "too_many_active_proposals", 409, "Too many pending or active proposals of this wallet."
)
BELOW_PROPOSAL_THRESHOLD = ErrorCode(
    "below_proposal_threshold", 403, "Publishing needs more veJCT than this wallet has."
)
INVALID_KIND = ErrorCode("invalid_kind", 400, "Unknown proposal kind.")
INVALID_PAYLOAD = ErrorCode("invalid_payload", 400, "The payload does not fit its kind.")
UNKNOWN_PARAMETER = ErrorCode("unknown_parameter", 400, "Unknown governable parameter.")
PARAMETER_OUT_OF_BOUNDS = ErrorCode(
    "parameter_out_of_bounds", 400, "The value is outside the parameter's bounds."
)
DUPLICATE_PARAMETER = ErrorCode("duplicate_parameter", 400, "A parameter is changed twice.")
DUPLICATE_RECIPIENT = ErrorCode("duplicate_recipient", 400, "A recipient is listed twice.")
PAYLOAD_EMPTY = ErrorCode("payload_empty", 400, "Add at least one entry.")
PAYLOAD_TOO_LARGE = ErrorCode("payload_too_large", 400, "Too many entries.")
PROGRAM_NOT_FOUND = ErrorCode(
    "program_not_found", 404, "No such grant program (400: a payload names one).", also=(400,)
)
PROPOSAL_NOT_ACTIVE = ErrorCode("proposal_not_active", 409, "The proposal is not open for votes.")
PROPOSAL_TERMS_CHANGED = ErrorCode(
    "proposal_terms_changed", 409, "The proposal row changed while the vote was recorded: retry."
)
SNAPSHOT_PENDING = ErrorCode(
    "snapshot_pending", 409, "The proposal's voting-power snapshot is not stored yet."
)
BAD_SIGNATURE = ErrorCode(
    "bad_signature", 400, "The signature is malformed (401: on sign-in, not the signer's).",
    also=(401,),
)  # fmt: skip
MALLEABLE_SIGNATURE = ErrorCode("malleable_signature", 400, "High-s signature refused (EIP-2).")
SIGNATURE_MISMATCH = ErrorCode(
    "signature_mismatch", 401, "The signature is not the voter's over this vote (400: not over "
    "this SafeTx).", also=(400,),
)  # fmt: skip
INVALID_TIMESTAMP = ErrorCode("invalid_timestamp", 400, "The timestamp is not a uint64.")
TIMESTAMP_IN_FUTURE = ErrorCode(
    "timestamp_in_future", 400, "The vote's timestamp is ahead of the server's clock."
)
TIMESTAMP_OUT_OF_WINDOW = ErrorCode(
    "timestamp_out_of_window", 400, "The vote's timestamp is outside the voting window."
)
NO_VOTING_POWER = ErrorCode("no_voting_power", 403, "No veJCT, own or delegated, at the snapshot.")

# --- execution and chain operations -----------------------------------------------------
NOT_STEWARD = ErrorCode("not_steward", 403, "Only stewards can do this.")
STEWARD_CONFLICTED = ErrorCode(
    "steward_conflicted", 403, "This steward is a party to the grant and may not act on it."
)
EXECUTION_IN_PROGRESS = ErrorCode(
    "execution_in_progress", 409, "A worker is scheduling this proposal: try again shortly."
)
EXECUTION_GRACE_PASSED = ErrorCode(
    "execution_grace_passed", 409, "The proposal's execution grace period has passed."
)
ALREADY_EXECUTED = ErrorCode("already_executed", 409, "The timelock operation has executed.")
EXECUTOR_UNAVAILABLE = ErrorCode("executor_unavailable", 502, "No relayer key is configured.")
OPERATION_NOT_FOUND = ErrorCode("operation_not_found", 404, "No such chain operation.")
OPERATION_NOT_SIGNABLE = ErrorCode(
    "operation_not_signable", 409, "This operation takes no more signatures."
)
OPERATION_MISMATCH = ErrorCode(
    "operation_mismatch", 400, "The payload no longer maps to the scheduled operation."
)
OPERATION_MISSING = ErrorCode("operation_missing", 400, "The timelock has no such operation.")
OPERATION_NOT_READY = ErrorCode("operation_not_ready", 400, "The timelock operation isn't ready.")
TREASURY_INSUFFICIENT = ErrorCode(
    "treasury_insufficient", 400, "The treasury holds less than the proposal pays out."
)
SAFE_TX_HASH_MISMATCH = ErrorCode(
    "safe_tx_hash_mismatch", 400, "The signed SafeTx hash is not this operation's."
)
SAFE_TX_REBUILT = ErrorCode("safe_tx_rebuilt", 409, "The SafeTx was rebuilt: sign the new one.")
SAFE_TX_FAILED = ErrorCode("safe_tx_failed", 400, "The Safe transaction failed on chain.")
SIGNATURE_MALFORMED = ErrorCode("signature_malformed", 400, "A signature is 65 bytes of hex.")
SIGNATURE_INVALID = ErrorCode("signature_invalid", 400, "The signature recovers to no address.")
NOT_SAFE_OWNER = ErrorCode("not_safe_owner", 403, "The signer is not an owner of the Safe.")

# --- grants -----------------------------------------------------------------------------
APPLICATION_NOT_FOUND = ErrorCode("application_not_found", 404, "No such application.")
MILESTONE_NOT_FOUND = ErrorCode("milestone_not_found", 404, "No such milestone.")
NOT_APPLICANT = ErrorCode("not_applicant", 403, "Only the applicant can do this.")
NOT_ASSIGNED_REVIEWER = ErrorCode("not_assigned_reviewer", 403, "Not a reviewer of the program.")
OWN_APPLICATION = ErrorCode("own_application", 403, "You can't review your own application.")
PROGRAM_CLOSED = ErrorCode("program_closed", 409, "The program is not taking applications.")
DUPLICATE_OPEN_APPLICATION = ErrorCode(
    "duplicate_open_application", 409, "You already have an open application to the program."
)
APPLICATION_NOT_EDITABLE = ErrorCode("application_not_editable", 409, "Only drafts are edited.")
APPLICATION_NOT_SUBMITTABLE = ErrorCode(
    "application_not_submittable", 409, "Only a draft can be submitted."
)
APPLICATION_NOT_WITHDRAWABLE = ErrorCode(
    "application_not_withdrawable", 409, "Decided applications can't be withdrawn."
)
APPLICATION_NOT_REVIEWABLE = ErrorCode(
    "application_not_reviewable", 409, "The application is not open for review."
)
APPLICATION_ALREADY_DECIDED = ErrorCode(
    "application_already_decided", 409, "The application is decided."
)
NOT_ENOUGH_REVIEWS = ErrorCode("not_enough_reviews", 409, "Fewer reviews than required.")
BUDGET_EXCEEDED = ErrorCode("budget_exceeded", 409, "Approving would exceed the budget.")
REQUEST_EXCEEDS_MAX = ErrorCode("request_exceeds_max", 400, "Over the program's max request.")
MILESTONES_REQUIRED = ErrorCode("milestones_required", 400, "Plan at least one milestone.")
MILESTONES_SUM_MISMATCH = ErrorCode(
    "milestones_sum_mismatch", 400, "Milestone amounts don't add up to the request."
)
TOO_MANY_MILESTONES = ErrorCode("too_many_milestones", 400, "Too many milestones.")
MILESTONE_NOT_REPORTABLE = ErrorCode(
    "milestone_not_reportable", 409, "The milestone can't be reported now."
)
MILESTONE_NOT_ACCEPTABLE = ErrorCode(
    "milestone_not_acceptable", 409, "Only a reported milestone can be accepted."
)
MILESTONE_NOT_RETRYABLE = ErrorCode(
    "milestone_not_retryable", 409, "Only a failed payout can be retried."
)
ESCROW_INSUFFICIENT = ErrorCode(
    "escrow_insufficient", 400, "The escrow holds less than the payout (a payout's failure)."
)
ESCROW_PROGRAM_TAKEN = ErrorCode(
    "escrow_program_taken", 409, "The escrow program belongs to another grant program."
)
INVALID_RUBRIC = ErrorCode("invalid_rubric", 400, "The rubric is not 1 to N named criteria.")
RUBRIC_LOCKED = ErrorCode("rubric_locked", 409, "Reviews exist: the rubric can't change.")
RUBRIC_MISMATCH = ErrorCode("rubric_mismatch", 400, "Score exactly the rubric's criteria.")
SCORE_OUT_OF_RANGE = ErrorCode("score_out_of_range", 400, "Scores are whole numbers 0 to 5.")
INVALID_WINDOW = ErrorCode("invalid_window", 400, "The window must close after it opens.")
MAX_REQUEST_EXCEEDS_BUDGET = ErrorCode(
    "max_request_exceeds_budget", 400, "The max request can't exceed the budget."
)
TOO_MANY_REVIEWERS = ErrorCode("too_many_reviewers", 400, "Too many reviewers.")

# --- market -----------------------------------------------------------------------------
PROVIDER_NOT_REGISTERED = ErrorCode("provider_not_registered", 404, "Register as a provider.")
NODE_NAME_TAKEN = ErrorCode("node_name_taken", 409, "You already have a node of that name.")
INVALID_NODE_TOKEN = ErrorCode("invalid_node_token", 401, "Unknown node token.")
NODE_INACTIVE = ErrorCode("node_inactive", 409, "This node is deactivated.")
HEARTBEAT_TOO_SOON = ErrorCode(
    "heartbeat_too_soon", 429, "Heartbeat before half the interval: retry after Retry-After s."
)
JOB_NOT_FOUND = ErrorCode("job_not_found", 404, "No such job of yours.")
JOB_NOT_PENDING = ErrorCode("job_not_pending", 409, "Only pending jobs can be cancelled.")
TOO_MANY_PENDING_JOBS = ErrorCode("too_many_pending_jobs", 409, "Too many pending jobs.")
LEASE_NOT_FOUND = ErrorCode("lease_not_found", 404, "No such lease of yours.")
NOT_LEASE_PROVIDER = ErrorCode("not_lease_provider", 403, "Only the node's provider reports.")
LEASE_BAD_STATE = ErrorCode("lease_bad_state", 409, "The lease can't move to that state.")
LEASE_NOT_COMPLETED = ErrorCode("lease_not_completed", 409, "The lease is not completed.")
LEASE_CONFIRMED = ErrorCode("lease_confirmed", 409, "You confirmed this lease.")
LEASE_DISPUTED = ErrorCode("lease_disputed", 409, "You disputed this lease.")
CONFIRMATION_WINDOW_CLOSED = ErrorCode(
    "confirmation_window_closed", 409, "The lease's confirmation window has closed."
)
REPLAY_NOT_FOUND = ErrorCode("replay_not_found", 404, "No such replay.")
REPLAY_TOO_MANY_ROUNDS = ErrorCode(
    "replay_too_many_rounds", 400, "The window holds more match rounds than a replay runs."
)
NOTHING_TO_SPLIT = ErrorCode("nothing_to_split", 400, "No provider earned a recognition share.")

# --- delegates and notifications --------------------------------------------------------
INVALID_ORDERING = ErrorCode("invalid_ordering", 400, "Unknown ordering.")
INVALID_SEARCH = ErrorCode("invalid_search", 400, "Search by hexadecimal address digits.")
CHANNEL_NOT_FOUND = ErrorCode("channel_not_found", 404, "No such channel of yours.")
INBOX_NOT_REMOVABLE = ErrorCode("inbox_not_removable", 409, "The inbox can be paused, not removed.")
INVALID_EMAIL = ErrorCode("invalid_email", 400, "Not a valid email address.")
INVALID_EVENTS = ErrorCode("invalid_events", 400, "Send a list of event types.")
UNKNOWN_EVENT_TYPE = ErrorCode("unknown_event_type", 400, "Unknown event type.")
INVALID_FORMAT = ErrorCode("invalid_format", 400, "Choose json, discord or slack.")
INVALID_URL = ErrorCode("invalid_url", 400, "Use an http:// or https:// URL.")
WEBHOOK_URL_NOT_ALLOWED = ErrorCode(
    "webhook_url_not_allowed", 400, "The URL points at a private or local address."
)
WEBHOOK_HOST_UNRESOLVABLE = ErrorCode("webhook_host_unresolvable", 400, "The host doesn't resolve.")
TOO_MANY_WEBHOOKS = ErrorCode("too_many_webhooks", 409, "Too many webhooks for one wallet.")
INVALID_LINK = ErrorCode("invalid_link", 400, "This link is not valid.")
LINK_EXPIRED = ErrorCode("link_expired", 400, "This link has expired.")
INVALID_ACTION = ErrorCode("invalid_action", 400, "Unknown action.")


def _collect() -> dict[str, ErrorCode]:
    registry: dict[str, ErrorCode] = {}
    for value in globals().values():
        if isinstance(value, ErrorCode):
            if value.code in registry:
                raise RuntimeError(f"error code {value.code!r} is registered twice")
            registry[value.code] = value
    return registry


REGISTRY: dict[str, ErrorCode] = _collect()


def lookup(code: str) -> ErrorCode | None:
    """The registered entry of ``code``, or None."""
    return REGISTRY.get(code)
