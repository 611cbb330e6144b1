"""The resolved configuration of a Traj-Bootstrap run, field by field. It is written into the run
directory; the same configuration resumes the same run."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from ratchet.errors import UserError
from ratchet.models.base import SamplingParams

CURATIONS = ("db", "exemplar")


@dataclass(frozen=True)
class BootstrapConfig:
    suite: str  # a suite name or file (see `ratchet suites`)
    model: str  # a named model, GGUF path, or endpoint model name
    curation: tuple[str, ...] = ()  # any of "db" (population-based), "exemplar" (utility)
    solver: str = "sample"  # the base agent's strategy spec ("react" for environment suites)
    initial: str | None = None  # a database (STORE[#collection]) whose successes seed every member
    iterations: int = 1  # passes over the train split
    shots: int = 3  # exemplars shown per prompt (k)
    train_limit: int | None = None  # only the first N train tasks
    dev_limit: int | None = None  # only the first N dev tasks (the curve and every decision)
    test_limit: int | None = None  # only the first N test tasks (read once, at the end)
    base_samples: int = 3  # base agent's samples per test task, for pass@1..base_samples
    checkpoints: int = 4  # dev evaluations along the growth (also PBT's exploit steps)
    # Opt-in: evaluate test at each checkpoint too. Test is then read before the decisions are
    # over, and the result is stamped test_seen; by default test is read once, at the end.
    curve_on_test: bool = False
    population: int = 3  # databases grown side by side under "db" curation
    pbt_level: float = 0.25  # gate level for replacing the worst database by the best
    gate_level: float = 0.05  # gate level for keeping the bootstrapped database over none
    utility_weight: float = 0.5  # "exemplar": weight of utility against scaled BM25
    min_utility: float = -0.1  # "exemplar": drop exemplars below this utility ...
    min_uses: int = 2  # ... once shown at least this many times
    train_params: SamplingParams = field(default_factory=lambda: SamplingParams(temperature=0.7, top_p=0.95))
    eval_params: SamplingParams = field(default_factory=SamplingParams)  # greedy pass@1
    sampled_params: SamplingParams = field(  # the base agent's pass@k samples
        default_factory=lambda: SamplingParams(temperature=0.8, top_p=0.95)
    )
    seed: int = 0  # task orders of the population members
    base_url: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "curation", tuple(sorted(set(self.curation))))
        unknown = [c for c in self.curation if c not in CURATIONS]
        if unknown:
            raise UserError(f"unknown curation '{unknown[0]}': choose db, exemplar or both (db,exemplar)")
        for name in ("iterations", "checkpoints", "population", "base_samples"):
            if getattr(self, name) < 1:
                raise UserError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(self, name)}")
        if self.shots < 1:
            raise UserError(f"--shots must be >= 1, got {self.shots}")
        for name in ("train_limit", "dev_limit", "test_limit"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise UserError(f"--{name.replace('_', '-')} must be >= 1, got {value}")

    @property
    def members(self) -> int:
        """How many databases grow: the population under "db" curation, else one."""
        return self.population if "db" in self.curation else 1

    @property
    def variant(self) -> str:
        return "+".join(self.curation) if self.curation else "naive"

    def to_json(self) -> dict:
        data = asdict(self)
        for name in ("train_params", "eval_params", "sampled_params"):  # as EvalConfig names them
            data[name] = getattr(self, name).to_json(every_field=self.base_url is not None)
        return json.loads(json.dumps(data))

    @classmethod
    def from_json(cls, data: dict) -> BootstrapConfig:
        data = dict(data)
        for name in ("train_params", "eval_params", "sampled_params"):
            params = dict(data[name])
            params["stop"] = tuple(params.get("stop", ()))
            data[name] = SamplingParams(**params)
        data["curation"] = tuple(data["curation"])
        return cls(**data)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()[:10]

    def run_name(self) -> str:
        model = self.model.rsplit("/", 1)[-1].removesuffix(".gguf")
        suite = self.suite.rsplit("/", 1)[-1].split(".")[0]
        return f"bootstrap-{suite}-{model}-{self.variant}-{self.digest()}"
