"""Scripted stand-ins for the self-training loop's model stack: a policy whose accuracy is set by
its adapter's `quality`, and a trainer that hands out adapters of scripted qualities."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ratchet.learn.adapters import AdapterArtifact, atomic_directory, load_artifact, write_artifact_meta
from ratchet.models.scripted import ScriptedModel
from tests.toy import AdditionSuite


class GoldAdditionSuite(AdditionSuite):
    """The toy suite with a `gold(task)` method, as STaR's rationalisation needs."""

    def gold(self, task):
        return self._gold[task.id]


def task_index(text: str) -> int:
    return int(re.search(r"What is (\d+) \+", text).group(1))


def policy_for(quality: float, name: str = "policy") -> ScriptedModel:
    """Solves task i (sample seed s) iff (i + s) % 10 < 10 * quality; follows a gold hint."""

    def respond(messages, params):
        text = messages[-1]["content"]
        if "Reply with a single letter" in text:  # judging: prefer the odd (right) sum
            first = re.search(r"Response A:\n.*?(\d+)\s*$", text.split("Response B:")[0].split("Critique")[0], re.S)
            return "A" if first and int(first.group(1)) % 2 else "B"
        if "candidate answer" in text:
            return "The candidate looks plausible."
        i = task_index(text)
        hint = re.search(r"correct final answer is (\d+)", text)
        if hint:
            return f"Adding step by step gives {hint.group(1)}"
        if (i + params.seed) % 10 < round(10 * quality):
            return f"The sum is {2 * i + 1}"
        return f"The sum is {2 * i + 2}"

    return ScriptedModel(respond, name=name)


class ScriptedBackend:
    """`fit` returns adapters whose qualities come from `qualities`, in order."""

    name = "scripted"

    def __init__(self, base_quality: float, qualities: list[float]) -> None:
        self.base_quality = base_quality
        self.qualities = list(qualities)
        self.fits: list[dict] = []

    def quality(self, adapter: AdapterArtifact | None) -> float:
        if adapter is None:
            return self.base_quality
        return json.loads((adapter.path / "quality.json").read_text())["quality"]

    def policy(self, adapter: AdapterArtifact | None) -> ScriptedModel:
        quality = self.quality(adapter)
        model = policy_for(quality, name=f"q{quality}")
        return model

    def fit(self, objective, data, out: Path, init, method, config, progress=None) -> AdapterArtifact:
        quality = self.qualities[len(self.fits)]
        if progress is not None:
            for step in range(3):
                progress(step + 1, 3)
        self.fits.append({"objective": objective, "examples": len(data), "init": init, "method": method,
                          "kinds": data.kinds(), "learning_rate": config.learning_rate})
        artifact = AdapterArtifact(Path(out), "scripted", "0" * 64, method, {}, data.describe(),
                                   {"train_seconds": 0.0, "steps": 3, "loss_first": 1.0, "loss_last": 0.5})
        with atomic_directory(Path(out)) as scratch:
            write_artifact_meta(scratch, artifact)
            (scratch / "quality.json").write_text(json.dumps({"quality": quality}))
            (scratch / "adapter.gguf").write_bytes(b"fake")
        return load_artifact(out)

    def scorer(self, adapter):
        """Right answers (odd sums) read as more likely than wrong ones."""
        return lambda messages, text: -0.1 if int(re.findall(r"\d+", text)[-1]) % 2 else -1.0
