"""How often the embedded model answers simple questions right, with and without hfgate's
defaults for it (system prompt, sampling, max_tokens: `hfgate.local.defaults`).

    python bench/local_answers.py               # before/after, written to docs/benchmarks.md
    python bench/local_answers.py --candidates  # every candidate the defaults were chosen from

Each question has a check a right answer passes (the capital's name, the sum, a haiku's three
lines, three colours...); an answer also has to end by itself within its token budget, so a
loop that fills the context fails. "Before" is what hfgate sent until the defaults existed:
the question alone, with llama-cpp-python's own sampling (temperature 0.2, top-p 0.95,
top-k 40, min-p 0.05, a random seed: three seeds are run) and no `max_tokens`. The questions
marked `held_out` were not looked at while choosing the defaults: their score shows whether
the choice generalises beyond the questions it was tuned on.
"""

from __future__ import annotations

import argparse
import platform
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from _report import DEFAULT_OUT, write_section


def _word(*words: str) -> Callable[[str], bool]:
    pattern = re.compile(r"\b(" + "|".join(words) + r")\b", re.IGNORECASE)
    return lambda text: pattern.search(text) is not None


def _haiku(text: str) -> bool:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return len(lines) == 3 and len(text.split()) <= 30


_COLOURS = {"red", "blue", "green", "yellow", "orange", "purple", "black", "white", "pink"}
_COLOURS |= {"brown", "violet", "gray", "grey", "indigo"}


def _three_colours(text: str) -> bool:
    return len({w.lower() for w in re.findall(r"[A-Za-z]+", text)} & _COLOURS) >= 3


@dataclass(frozen=True, slots=True)
class Question:
    prompt: str
    right: Callable[[str], bool]
    held_out: bool = False


QUESTIONS = [
    Question("What is the capital of France?", _word("Paris")),
    Question("What is the capital of Japan?", _word("Tokyo")),
    Question("What is the capital of Italy?", _word("Rome")),
    Question("What is the capital of Germany?", _word("Berlin")),
    Question("What is the capital of Spain?", _word("Madrid")),
    Question("What is the capital of the United Kingdom?", _word("London")),
    Question("What is 2 + 2?", _word("4", "four")),
    Question("What is 7 + 5?", _word("12", "twelve")),
    Question("What is 10 - 3?", _word("7", "seven")),
    Question("What is 3 times 4?", _word("12", "twelve")),
    Question("How many days are in a week?", _word("7", "seven")),
    Question("What color is the sky on a clear day?", _word("blue")),
    Question("Write a haiku about the sea.", _haiku),
    Question("List three colors.", _three_colours),
    # Not looked at while choosing the defaults.
    Question("What is the capital of Egypt?", _word("Cairo"), held_out=True),
    Question("What is the capital of Russia?", _word("Moscow"), held_out=True),
    Question("What is 6 + 3?", _word("9", "nine"), held_out=True),
    Question("How many legs does a spider have?", _word("8", "eight"), held_out=True),
    Question("What is the largest planet in our solar system?", _word("Jupiter"), held_out=True),
    Question("Who wrote Romeo and Juliet?", _word("Shakespeare"), held_out=True),
    Question("Write a haiku about autumn.", _haiku, held_out=True),
    Question("List three fruits.", _word("apple", "banana", "orange", "mango"), held_out=True),
]


@dataclass(frozen=True, slots=True)
class Config:
    """What a call sends on top of the question: None leaves llama.cpp's own default."""

    system: str | None
    sampling: dict[str, Any]
    max_tokens: int | None
    seeds: tuple[int, ...]


@dataclass(slots=True)
class Score:
    right: int = 0
    asked: int = 0
    held_right: int = 0
    held_asked: int = 0
    tokens: int = 0
    seconds: float = 0.0
    wrong: list[str] | None = None

    def line(self) -> str:
        tuned = self.asked - self.held_asked
        return (
            f"{self.right - self.held_right}/{tuned} tuned, {self.held_right}/{self.held_asked} "
            f"held out, {self.tokens / self.asked:.0f} tokens/answer, {self.seconds:.0f} s"
        )


def score(llama: Any, config: Config) -> Score:
    """Ask every question once per seed, each from an empty KV cache."""
    result = Score(wrong=[])
    started = time.perf_counter()
    for question in QUESTIONS:
        for seed in config.seeds:
            messages = [{"role": "user", "content": question.prompt}]
            if config.system is not None:
                messages.insert(0, {"role": "system", "content": config.system})
            llama.reset()
            answer = llama.create_chat_completion(
                messages=messages, seed=seed, max_tokens=config.max_tokens, **config.sampling
            )
            choice = answer["choices"][0]
            text = choice["message"]["content"] or ""
            right = choice["finish_reason"] == "stop" and question.right(text)
            result.asked += 1
            result.right += right
            result.held_asked += question.held_out
            result.held_right += right and question.held_out
            result.tokens += answer["usage"]["completion_tokens"]
            if not right and result.wrong is not None:
                result.wrong.append(f"{question.prompt} -> {' '.join(text.split())[:90]!r}")
    result.seconds = time.perf_counter() - started
    return result


BEFORE = Config(None, {}, None, (1, 2, 3))


def after() -> Config:
    from hfgate.local.defaults import PACKAGED

    sampling = dict(PACKAGED.sampling)
    greedy = sampling.get("temperature") == 0
    return Config(PACKAGED.system, sampling, PACKAGED.max_tokens, (1,) if greedy else (1, 2, 3))


_FEW_SHOT = (
    "You are a helpful assistant. Answer in English.\nExample:\n"
    "User: What is the capital of Canada?\nAssistant: The capital of Canada is Ottawa."
)
CANDIDATES: dict[str, str | None] = {
    "none (the template's own)": None,
    "helpful": "You are a helpful assistant.",
    "english, short": "You are a helpful assistant. Always answer in English, in one or two "
    "short sentences.",
    "english, answer first": "You are a helpful assistant. Answer in English. Give the answer "
    "first, briefly.",
    "few-shot capital": _FEW_SHOT,
}
SAMPLINGS: dict[str, tuple[dict[str, Any], tuple[int, ...]]] = {
    "llama.cpp default": ({}, (1, 2, 3)),
    "greedy": ({"temperature": 0.0}, (1,)),
    "greedy, repeat penalty 1.1": ({"temperature": 0.0, "repeat_penalty": 1.1}, (1,)),
    "t 0.3, repeat penalty 1.1": ({"temperature": 0.3, "repeat_penalty": 1.1}, (1, 2, 3)),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", action="store_true")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args()

    import llama_cpp

    import hfgate
    from hfgate.local.model import load_model
    from hfgate.local.paths import packaged_gguf

    llama = load_model(packaged_gguf()).llama
    if args.candidates:
        from hfgate.local.defaults import PACKAGED

        systems = {**CANDIDATES, "hfgate's default": PACKAGED.system}
        for name, system in systems.items():
            for label, (sampling, seeds) in SAMPLINGS.items():
                s = score(llama, Config(system, sampling, 512, seeds))
                print(f"{name:28} {label:28} {s.line()}", flush=True)
        return
    before, now = score(llama, BEFORE), score(llama, after())
    for name, s in (("before", before), ("after", now)):
        print(f"{name}: {s.line()}")
        for wrong in s.wrong or ():
            print(f"    {wrong}")
    tuned = sum(not q.held_out for q in QUESTIONS)
    held = len(QUESTIONS) - tuned
    lines = [
        "## Embedded local model: right answers",
        "",
        f"`bench/local_answers.py` on {platform.machine()}, {_cores()} cores, Python "
        f"{platform.python_version()}, {date.today().isoformat()}; hfgate {hfgate.__version__}, "
        f"llama-cpp-python {llama_cpp.__version__}, SmolLM2-135M-Instruct Q4_1. {len(QUESTIONS)} "
        f"simple questions ({tuned} the defaults were chosen on: capitals, arithmetic, a haiku, "
        f"a list; {held} held out), each answer checked (the capital's name, the number, three "
        "lines, three colours) and required to end within its budget. Before: the question "
        "alone with llama.cpp's sampling, three seeds. After: `hfgate.local.defaults` "
        "(system prompt, greedy with repeat penalty, max_tokens).",
        "",
        "| | tuned questions | held-out questions | tokens per answer | time |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, s in (("before", before), ("after", now)):
        lines.append(
            f"| {name} | {s.right - s.held_right}/{s.asked - s.held_asked} "
            f"| {s.held_right}/{s.held_asked} | {s.tokens / s.asked:.0f} | {s.seconds:.0f} s |"
        )
    lines.append("")
    table = "\n".join(lines)
    print(table)
    write_section(Path(args.out), "local_answers", table)


def _cores() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    main()
