"""How many tokens a prompt is: `POST /v1/messages/count_tokens`, and the estimate an
Anthropic stream's `message_start` carries when its upstream has not said.

A count comes from one of three places, named in the `x-hfgate-token-count` header:

- `upstream`: an upstream that speaks Anthropic Messages counts it itself, at its own
  `/v1/messages/count_tokens`, given the body the gateway would send to its `/v1/messages`.
- `tokenizer`: the embedded `local` model's own tokenizer over the prompt its chat template
  renders, which is exactly the `input_tokens` its answer reports.
- `estimate`: anything else (the gateway holds no other tokenizer, and downloads none): about
  4 characters a token over the text, tool calls and tool schemas, a few tokens a message for
  the chat template, and 1,600 a picture (Anthropic's count for a full-size image). Also the
  answer when an Anthropic upstream cannot count (404, 5xx, unreachable), with a warning.

Counting is authenticated and checked as a Messages request is (a valid, unrevoked key, its
model patterns, the model's resolution, the same errors in Anthropic's format) but free: no
usage row, no budget, no request taken from the key's rpm. Anthropic does not bill counting
either, and Claude Code counts often (its context meter, before compacting): a limit meant
for spending would otherwise throttle the work it guards.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hfgate.errors import APIStatusError, HfgateError, MalformedResponseError
from hfgate.formats import MESSAGES
from hfgate.formats._shared import token_count
from hfgate.formats.anthropic import PATH, parse_count_request, render_error
from hfgate.formats.base import Inbound
from hfgate.gateway.body import read_json
from hfgate.gateway.errors import classify, falls_back
from hfgate.gateway.request_ids import new_request_id
from hfgate.gateway.upstream import Candidate, Upstreams
from hfgate.http.endpoint import RetryPolicy
from hfgate.http.transport import Call
from hfgate.inputs.request import ChatRequest
from hfgate.local import async_local_backend
from hfgate.types import ImagePart

if TYPE_CHECKING:  # exchange imports this module
    from hfgate.gateway.exchange import Exchanges

log = logging.getLogger("hfgate.gateway")

SOURCE_HEADER = "x-hfgate-token-count"
COUNT_PATH = f"{PATH}/count_tokens"
CHARS_PER_TOKEN = 4
MESSAGE_TOKENS = 3
"""What a chat template adds around each message (role markers, separators)."""
IMAGE_TOKENS = 1600
_COUNTED_FIELDS = frozenset(
    "model messages system tools tool_choice thinking output_config mcp_servers "
    "context_management speed".split()
)
"""What Anthropic's count_tokens takes of a Messages body (it refuses max_tokens, stream...)."""
_CANNOT_COUNT = frozenset({404, 405, 501})
"""An Anthropic-compatible server without the endpoint."""

Source = Literal["upstream", "tokenizer", "estimate"]


@dataclass(frozen=True, slots=True)
class Count:
    tokens: int
    source: Source
    warning: str | None = None
    """Why a count that should have come from the upstream is an estimate."""


def estimate_tokens(request: ChatRequest) -> int:
    """About how many tokens the prompt of `request` is, for any model (see the module)."""
    chars = images = 0
    for m in request.messages:
        chars += len(m.text) + sum(len(c.name) + len(c.raw_arguments) for c in m.tool_calls)
        if not isinstance(m.content, str):
            images += sum(isinstance(p, ImagePart) for p in m.content)
    for tool in request.tools:
        chars += len(tool.name) + len(tool.description or "") + len(json.dumps(tool.parameters))
    messages = len(request.messages) * MESSAGE_TOKENS
    return chars // CHARS_PER_TOKEN + messages + images * IMAGE_TOKENS + 1


class TokenCounts:
    """`POST /v1/messages/count_tokens`, in front of the same models as `/v1/messages`."""

    def __init__(self, exchanges: Exchanges, *, max_body_bytes: int) -> None:
        self.exchanges = exchanges
        self.upstreams: Upstreams = exchanges.upstreams
        self.max_body_bytes = max_body_bytes

    async def handle(self, request: Request) -> Response:
        request_id = new_request_id()
        ids = {"x-request-id": request_id, "request-id": request_id}
        model = ""
        try:
            caller = await self.exchanges.auth.current_caller(request.headers)
            inbound = parse_count_request(await read_json(request, self.max_body_bytes))
            model = inbound.request.model
            candidate = self.exchanges.candidates(caller, model)[0]  # counted for the named one
            count = await self.count(candidate, inbound)
        except Exception as exc:  # noqa: BLE001 - answered in Anthropic's format, never a 500 page
            failure = classify(exc, model)
            error = failure.status, failure.message, failure.param, failure.code
            body = render_error(*error, request_id)
            return JSONResponse(body, failure.status, {**ids, **failure.headers})
        headers = {**ids, "x-hfgate-model": candidate.name, SOURCE_HEADER: count.source}
        if count.warning:
            log.warning("request %s: %s", request_id, count.warning)
            headers["x-hfgate-warning"] = count.warning
        self.exchanges.metrics.token_counts.labels(count.source, caller.name).inc()
        return JSONResponse({"input_tokens": count.tokens}, headers=headers)

    async def count(self, candidate: Candidate, inbound: Inbound) -> Count:
        request = self.upstreams.request_for(candidate, inbound, MESSAGES.name)
        route = candidate.route
        if route.endpoint is None:
            counted = await async_local_backend(route.model).count_tokens(request)
            if counted is not None:
                return Count(counted, "tokenizer")
        elif route.wire is MESSAGES:
            return await self._forwarded(candidate, request)
        return Count(estimate_tokens(request), "estimate")

    async def _forwarded(self, candidate: Candidate, request: ChatRequest) -> Count:
        endpoint = candidate.route.endpoint
        assert endpoint is not None
        body = MESSAGES.build_body(request, stream=False)
        body = {k: v for k, v in body.items() if k in _COUNTED_FIELDS}
        retry = RetryPolicy(self.upstreams.retries)
        call = Call(endpoint, COUNT_PATH, body, timeout=self.upstreams.timeout, retry=retry)
        try:
            answer, _ = await self.upstreams.transport.post_json(call)
            tokens = token_count(answer.get("input_tokens")) if isinstance(answer, dict) else None
            if tokens is None:
                raise MalformedResponseError(
                    f"{endpoint.base_url}{COUNT_PATH} answered without `input_tokens`.",
                    provider=endpoint.name,
                    field="input_tokens",
                )
        except HfgateError as error:
            if not _cannot_count(error):
                raise
            log.warning("upstream of %r could not count tokens: %s", candidate.name, error)
            why = f"{error.status}" if isinstance(error, APIStatusError) else type(error).__name__
            warning = f"the upstream could not count tokens ({why}); this count is an estimate"
            return Count(estimate_tokens(request), "estimate", warning)
        return Count(tokens, "upstream")


def _cannot_count(error: HfgateError) -> bool:
    """Whether the upstream's failure leaves the count to an estimate, rather than being the
    client's to see (a 400 about its request) or the operator's (the gateway's key refused)."""
    if isinstance(error, APIStatusError) and error.status in _CANNOT_COUNT:
        return True
    return falls_back(error)
