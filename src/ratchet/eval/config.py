"""The resolved configuration of an evaluation run. It is written into the run directory, so a
run can be repeated from its log alone, and its hash names the directory, so the same command
resumes the same run."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from ratchet.errors import UserError
from ratchet.models.base import SamplingParams


@dataclass(frozen=True)
class EvalConfig:
    suite: str  # a suite name ("humaneval", "gsm") or a path to a suite file
    model: str  # a named model, a path to a GGUF, or an endpoint's model name
    split: str = "test"
    samples: int = 1  # samples per task (n of pass@k)
    k: tuple[int, ...] = (1,)
    params: SamplingParams = field(default_factory=SamplingParams)
    solver: str = "sample"
    limit: int | None = None  # only the first N tasks of the split (for a quick look)
    base_url: str | None = None  # an OpenAI-compatible endpoint; None = llama.cpp in process
    adapter: str | None = None
    exemplars: str | None = None  # an experience database (STORE[#collection]) shown few-shot
    # sha256 of a suite file's content (the JSONL bytes, the .py source): a changed task or
    # verifier names a new run, so nothing judged by the old verifier is reused
    suite_sha256: str | None = None
    # the local engine when it is not llama-cpp-python ("xllamacpp" with --slots): its greedy text
    # differs, so a run resumed on the other engine would mix the two
    engine: str | None = None

    def __post_init__(self) -> None:
        if self.samples < 1:
            raise UserError(f"--samples must be >= 1, got {self.samples}")
        bad = [k for k in self.k if k < 1 or k > self.samples]
        if bad:
            raise UserError(
                f"-k {','.join(map(str, bad))} is invalid with --samples {self.samples}: "
                "each k must be between 1 and the number of samples"
            )
        if self.limit is not None and self.limit < 1:
            raise UserError(f"--limit must be >= 1, got {self.limit}")

    def to_json(self) -> dict:
        data = asdict(self)
        # in process, sampler fields at their defaults keep the names runs had before them; a
        # server route names them all (servers defaulted repeat_penalty differently before)
        data["params"] = self.params.to_json(every_field=self.base_url is not None)
        for key in ("exemplars", "suite_sha256", "engine"):
            if data[key] is None:
                del data[key]  # runs without them keep the names they always had
        return data

    @classmethod
    def from_json(cls, data: dict) -> EvalConfig:
        data = dict(data)
        params = dict(data.pop("params"))
        params["stop"] = tuple(params.get("stop", ()))
        data["k"] = tuple(data["k"])
        return cls(params=SamplingParams(**params), **data)

    def digest(self) -> str:
        """Hash of everything that defines the run except `limit`, so growing a run resumes it."""
        data = {key: value for key, value in self.to_json().items() if key != "limit"}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:10]

    def run_name(self) -> str:
        model = self.model.rsplit("/", 1)[-1].removesuffix(".gguf")
        suite = self.suite.rsplit("/", 1)[-1].split(".")[0]
        return f"{suite}-{self.split}-{model}-{self.solver}-{self.digest()}"
