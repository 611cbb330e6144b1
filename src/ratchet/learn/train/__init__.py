"""LoRA trainers (the `train` extra): `fit_sft` and `fit_dpo`, each `(data, base, out) ->
AdapterArtifact`. Importing this package needs no extra; calling a trainer without the extra
raises a one-line error naming the pip command."""

from ratchet.learn.train.config import TrainConfig

__all__ = ["TrainConfig", "fit_dpo", "fit_sft"]


def fit_sft(*args, **kwargs):
    from ratchet.learn.train.sft import fit_sft as fit

    return fit(*args, **kwargs)


def fit_dpo(*args, **kwargs):
    from ratchet.learn.train.dpo import fit_dpo as fit

    return fit(*args, **kwargs)
