"""GGUFs from the Hub (`local/hf:<org>/<repo>[:tag|:file]`, `hfgate local pull|list|rm`),
against a loopback stand-in for the Hub (`HF_ENDPOINT`) that serves the packaged SmolLM2
GGUF. The CLI runs as a real process: huggingface_hub reads HF_HUB_OFFLINE and its cache
folder once, at import, and this test process imported it offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hfgate.errors import ConfigError, InvalidModelError
from hfgate.local.hub import HubGguf, parse_ref, pick_file
from hub_standin import HubStandIn, Repo

REPO = "hfgate-tests/SmolLM2-135M-Instruct-GGUF"
Q4 = "SmolLM2-135M-Instruct.Q4_1.gguf"
Q8 = "SmolLM2-135M-Instruct.Q8_0.gguf"
OFFLINE_GUARD = Path(__file__).resolve().parent.parent / "offline_guard"


# --- which file a reference means (pure) -----------------------------------------------------


def test_refs_parse_with_or_without_prefixes() -> None:
    assert parse_ref("local/hf:org/repo:Q8_0") == HubGguf("org/repo", "Q8_0")
    assert parse_ref("hf:org/repo") == HubGguf("org/repo") == parse_ref("org/repo")
    with pytest.raises(InvalidModelError, match="does not name a Hub repository"):
        parse_ref("hf:just-a-name")


def test_a_file_is_picked_by_name_tag_default_or_being_the_only_one() -> None:
    names = ["README.md", "m.Q4_K_M.gguf", "m.Q8_0.gguf", "mmproj-m.f16.gguf"]
    assert pick_file(HubGguf("o/r"), names) == "m.Q4_K_M.gguf"
    assert pick_file(HubGguf("o/r", "q8_0"), names) == "m.Q8_0.gguf"
    assert pick_file(HubGguf("o/r", "m.Q8_0.gguf"), names) == "m.Q8_0.gguf"
    assert pick_file(HubGguf("o/r"), ["only.Q5_K_S.gguf", "mmproj.gguf"]) == "only.Q5_K_S.gguf"
    with pytest.raises(ConfigError, match=r"no Q2_K file; choose one: local/hf:o/r:m.Q4_K_M"):
        pick_file(HubGguf("o/r", "Q2_K"), names)
    with pytest.raises(ConfigError, match="several GGUF files and no Q4_K_M one"):
        pick_file(HubGguf("o/r"), ["a.Q8_0.gguf", "a.F16.gguf"])
    with pytest.raises(ConfigError, match="has no GGUF file"):
        pick_file(HubGguf("o/r"), ["model.safetensors"])


# --- download, run offline, list, remove (real processes) -----------------------------------


@pytest.fixture
def hub(packaged_gguf: Path) -> Iterator[HubStandIn]:
    with HubStandIn({REPO: Repo({Q4: packaged_gguf, Q8: packaged_gguf})}) as standin:
        yield standin


@pytest.fixture
def hfgate_cli(tmp_path: Path) -> Iterator[object]:
    """`hfgate ...` as a process with its own Hub cache and home, and no network but
    loopback (any other address it tries is logged and refused)."""
    tried = tmp_path / "network-attempts"
    base = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path / "home"),
        "HF_HOME": str(tmp_path / "hf-home"),
        "HFGATE_DATA_DIR": str(tmp_path / "data"),
        "HFGATE_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONPATH": os.pathsep.join([str(OFFLINE_GUARD), *sys.path]),
        "HFGATE_TEST_NET_LOG": str(tried),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "NO_COLOR": "1",
    }

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hfgate.cli", *args],
            env={**base, **env},
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )

    yield run
    assert not tried.exists(), f"tried the network: {tried.read_text()}"


def test_pull_then_run_offline_then_list_and_rm(hub: HubStandIn, hfgate_cli: object) -> None:
    run = hfgate_cli  # type: ignore[assignment]
    pulled = run("local", "pull", f"hf:{REPO}:Q4_1", HF_ENDPOINT=hub.url)
    assert pulled.returncode == 0, pulled.stderr
    assert pulled.stdout.strip() == f"-m local/hf:{REPO}:{Q4}"
    assert hub.downloads() == [f"/{REPO}/resolve/{Repo({}).commit}/{Q4}"]

    hub.stop()  # the Hub is gone, and huggingface_hub is told it is offline
    model = f"local/hf:{REPO}:Q4_1"
    answer = run("run", "-m", model, "What is the capital of France?", HF_HUB_OFFLINE="1")
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip()  # a real answer from the downloaded file

    listed = run("local", "list", "--json")
    models = [row["model"] for row in json.loads(listed.stdout)]
    assert f"local/hf:{REPO}:{Q4}" in models
    plain = run("local", "list")  # piped: one tab-separated line per model, never cut
    assert f"local/hf:{REPO}:{Q4}\t" in plain.stdout

    removed = run("local", "rm", f"hf:{REPO}")
    assert removed.returncode == 0, removed.stderr
    assert f"removed local/hf:{REPO}:{Q4}" in removed.stderr
    after = run("local", "list", "--json")
    assert f"local/hf:{REPO}:{Q4}" not in after.stdout


def test_not_downloaded_and_offline_says_to_pull(hfgate_cli: object) -> None:
    run = hfgate_cli  # type: ignore[assignment]
    done = run("run", "-m", f"local/hf:{REPO}", "hi", HF_HUB_OFFLINE="1")
    assert done.returncode == 2
    assert f"run `hfgate local pull hf:{REPO}` once online" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_repos_and_tags_name_the_fix(hub: HubStandIn, hfgate_cli: object) -> None:
    run = hfgate_cli  # type: ignore[assignment]
    missing = run("local", "pull", "hf:nobody/nothing-GGUF", HF_ENDPOINT=hub.url)
    assert missing.returncode == 2
    assert f"No repository nobody/nothing-GGUF on {hub.url}" in missing.stderr
    no_tag = run("local", "pull", f"hf:{REPO}:Q2_K", HF_ENDPOINT=hub.url)
    assert no_tag.returncode == 2
    assert f"choose one: local/hf:{REPO}:{Q4}, local/hf:{REPO}:{Q8}" in no_tag.stderr
    assert hub.downloads() == []
