"""The LoRA training options shared by `ratchet train improve` and `ratchet train fit`, as typed
aliases so both commands declare them once (`rank: Rank = 8`)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ratchet.cli.common import above_zero

Rank = Annotated[int, typer.Option(min=1, help="LoRA rank")]
Alpha = Annotated[float, typer.Option(callback=above_zero, help="LoRA alpha")]
LearningRate = Annotated[Optional[float], typer.Option(callback=above_zero,
                                                       help="learning rate (default: 2e-4 for SFT, 5e-5 for DPO)")]
Epochs = Annotated[float, typer.Option(callback=above_zero, help="passes over the data")]
MaxSteps = Annotated[Optional[int], typer.Option(min=1, help="optimiser steps (overrides epochs)")]
BatchSize = Annotated[int, typer.Option(min=1, help="examples per step")]
MaxLength = Annotated[int, typer.Option(min=16, help="tokens per training example")]
Beta = Annotated[float, typer.Option(callback=above_zero, help="DPO beta")]
TrainThreads = Annotated[Optional[int], typer.Option(min=1, help="CPU threads for training")]
