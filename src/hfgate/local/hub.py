"""GGUF files from the Hugging Face Hub, kept in huggingface_hub's cache, for the local model.

    local/hf:<org>/<repo>                  the repo's Q4_K_M file (or its only GGUF)
    local/hf:<org>/<repo>:<QUANT>          the file with that quantisation tag, e.g. Q8_0
    local/hf:<org>/<repo>:<file>.gguf      that file

A file is looked up in the cache first, without any network: after one download it runs
offline. Otherwise it is downloaded by huggingface_hub (its progress bar, its cache, its token:
`HF_TOKEN` or `hf auth login` for gated repos; `HF_ENDPOINT` names another Hub). `hfgate local
pull|list|rm` manage the cache from the command line. Vision projectors (`mmproj-*.gguf`) are
never picked: they are not chat models.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hfgate.errors import APIConnectionError, ConfigError, InvalidModelError

HF_PREFIX = "hf:"
DEFAULT_QUANT = "Q4_K_M"
"""What llama.cpp's `-hf` picks when no tag is given: a good size for its quality."""
_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")
_GGUF_HINT = "e.g. 'local/hf:bartowski/SmolLM2-360M-Instruct-GGUF:Q4_K_M'"


@dataclass(frozen=True, slots=True)
class HubGguf:
    """A reference to a GGUF on the Hub: the repo, and a file name or quantisation tag."""

    repo: str
    choice: str | None = None

    def __str__(self) -> str:
        return f"{HF_PREFIX}{self.repo}" + (f":{self.choice}" if self.choice else "")

    @property
    def model_id(self) -> str:
        return f"local/{self}"


def parse_ref(ref: str) -> HubGguf:
    """`hf:org/repo[:choice]`, with or without `local/` and `hf:` in front."""
    text = ref.strip().removeprefix("local/").removeprefix(HF_PREFIX)
    repo, _, choice = text.partition(":")
    if not _REPO.fullmatch(repo):
        raise InvalidModelError(
            f"{ref!r} does not name a Hub repository: write 'local/hf:<org>/<repo>' with an "
            f"optional ':<QUANT>' or ':<file>.gguf', {_GGUF_HINT}."
        )
    return HubGguf(repo, choice.strip() or None)


def cached_path(gguf: HubGguf) -> Path | None:
    """The file in the cache, found without the network; None when it was never fetched."""
    files = _cached_files(gguf.repo)
    if not files:
        return None
    try:
        name = pick_file(gguf, list(files))
    except ConfigError:
        return None
    return files[name]


def resolve(gguf: HubGguf) -> Path:
    """The cached file, else downloaded now (with huggingface_hub's progress bar)."""
    return cached_path(gguf) or pull(gguf)


def pull(gguf: HubGguf) -> Path:
    """Download (or revalidate) the file, always asking the Hub."""
    from huggingface_hub import HfApi, hf_hub_download

    endpoint = _endpoint()
    with _hub_errors(gguf):
        info = HfApi(endpoint=endpoint).model_info(gguf.repo, files_metadata=True)
        names = [s.rfilename for s in info.siblings or ()]
        name = pick_file(gguf, names)
        return Path(hf_hub_download(gguf.repo, name, revision=info.sha, endpoint=endpoint))


def pick_file(gguf: HubGguf, names: list[str]) -> str:
    """The GGUF the reference means among a repo's files, or a ConfigError listing them."""
    ggufs = sorted(n for n in names if _is_chat_gguf(n))
    if not ggufs:
        raise ConfigError(f"{gguf.repo} has no GGUF file; pick a repo with one, {_GGUF_HINT}.")
    choice = gguf.choice
    if choice is not None and choice.lower().endswith(".gguf"):
        if choice in names:
            return choice
        raise ConfigError(f"{gguf.repo} has no file {choice!r}; {_listing(gguf, ggufs)}")
    tag = choice or DEFAULT_QUANT
    tagged = [n for n in ggufs if _has_tag(n, tag)]
    if len(tagged) == 1:
        return tagged[0]
    if choice is None and len(ggufs) == 1:
        return ggufs[0]
    if tagged:
        return min(tagged, key=len)  # "Q4_K_M" over "Q4_K_M-imat..." variants: the plain one
    what = f"no {tag} file" if choice else f"several GGUF files and no {DEFAULT_QUANT} one"
    raise ConfigError(f"{gguf.repo} has {what}; {_listing(gguf, ggufs)}")


def _listing(gguf: HubGguf, ggufs: list[str]) -> str:
    shown = ", ".join(f"local/hf:{gguf.repo}:{n}" for n in ggufs[:8])
    more = f" (and {len(ggufs) - 8} more)" if len(ggufs) > 8 else ""
    return f"choose one: {shown}{more}"


def _is_chat_gguf(name: str) -> bool:
    base = name.rsplit("/", 1)[-1].lower()
    return base.endswith(".gguf") and not base.startswith("mmproj")


def _has_tag(name: str, tag: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return re.search(rf"(?:^|[.\-_]){re.escape(tag)}(?:[.\-_]|$)", base, re.IGNORECASE) is not None


def _endpoint() -> str | None:
    """HF_ENDPOINT read per call (huggingface_hub reads it once, at import)."""
    return os.environ.get("HF_ENDPOINT", "").strip().rstrip("/") or None


@contextmanager
def _hub_errors(gguf: HubGguf) -> Iterator[None]:
    """huggingface_hub's exceptions as hfgate's, each naming the fix."""
    import httpx
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
    )

    where = _endpoint() or "https://huggingface.co"
    try:
        yield
    except OfflineModeIsEnabled as exc:
        raise ConfigError(
            f"{gguf.model_id} is not downloaded yet and huggingface_hub is offline "
            f"(HF_HUB_OFFLINE is set): run `hfgate local pull {gguf}` once online."
        ) from exc
    except GatedRepoError as exc:
        raise ConfigError(
            f"{gguf.repo} is gated: accept its terms at {where}/{gguf.repo} and log in "
            "(HF_TOKEN or `hf auth login`)."
        ) from exc
    except RepositoryNotFoundError as exc:
        raise ConfigError(
            f"No repository {gguf.repo} on {where} (or it is private: log in with HF_TOKEN or "
            "`hf auth login`)."
        ) from exc
    except HfHubHTTPError as exc:
        raise APIConnectionError(f"The Hub ({where}) refused {gguf}: {exc}") from exc
    except (OSError, httpx.TransportError) as exc:  # requests' errors are OSErrors
        raise APIConnectionError(
            f"Could not download {gguf} from {where}: {exc}. Check the network, or use a "
            "model already downloaded (`hfgate local list`)."
        ) from exc


# --- the cache -------------------------------------------------------------------------------


def _repo_folder(repo: str) -> Path:
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE) / ("models--" + repo.replace("/", "--"))


def _cached_files(repo: str) -> dict[str, Path]:
    """The files of the repo's cached `main` revision (else its newest), by name in the repo."""
    folder = _repo_folder(repo)
    snapshot = _snapshot(folder)
    if snapshot is None:
        return {}
    return {
        path.relative_to(snapshot).as_posix(): path
        for path in snapshot.rglob("*")
        if path.is_file()
    }


def _snapshot(folder: Path) -> Path | None:
    try:
        commit = (folder / "refs" / "main").read_text().strip()
    except OSError:
        commit = ""
    if commit and (folder / "snapshots" / commit).is_dir():
        return folder / "snapshots" / commit
    snapshots = sorted(
        (p for p in (folder / "snapshots").glob("*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
    )
    return snapshots[-1] if snapshots else None


@dataclass(frozen=True, slots=True)
class CachedGguf:
    repo: str
    file: str
    path: Path
    size: int

    @property
    def model_id(self) -> str:
        return f"local/hf:{self.repo}:{self.file}"


def cached_ggufs() -> list[CachedGguf]:
    """Every chat GGUF in huggingface_hub's cache, by repo and file name."""
    from huggingface_hub import constants

    found = []
    for folder in sorted(Path(constants.HF_HUB_CACHE).glob("models--*--*")):
        repo = folder.name.removeprefix("models--").replace("--", "/", 1)
        for name, path in sorted(_cached_files(repo).items()):
            if _is_chat_gguf(name):
                found.append(CachedGguf(repo, name, path, path.stat().st_size))
    return found


def remove(gguf: HubGguf) -> list[CachedGguf]:
    """Delete the cached file (every cached GGUF of the repo when no file or tag is given);
    the blob goes when no other revision links to it. Returns what was removed."""
    files = [c for c in cached_ggufs() if c.repo.casefold() == gguf.repo.casefold()]
    if gguf.choice is not None:
        names = [c.file for c in files]
        chosen = pick_file(gguf, names) if names else None
        files = [c for c in files if c.file == chosen]
    if not files:
        raise ConfigError(f"{gguf.model_id} is not in the cache; `hfgate local list` shows it.")
    for cached in files:
        _unlink_with_blob(cached.path)
    return files


def _unlink_with_blob(link: Path) -> None:
    blob = link.resolve()
    link.unlink()
    if blob != link and blob.exists() and not any(_links_to(blob)):
        blob.unlink()


def _links_to(blob: Path) -> Iterator[Path]:
    snapshots = blob.parent.parent / "snapshots"
    for path in snapshots.rglob("*"):
        if path.is_symlink() and path.resolve() == blob:
            yield path
