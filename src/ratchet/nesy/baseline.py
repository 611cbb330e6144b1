"""The neural baseline: a small sequence-to-sequence transformer trained on the same examples,
decoded greedily. Integer targets (HINT) are written as digit tokens."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ratchet.nesy.data.example import Example

PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIAL = ("<pad>", "<bos>", "<eos>", "<unk>")


@dataclass(frozen=True)
class Seq2SeqConfig:
    """Model size and training budget (sized for a few minutes of one CPU core)."""

    d_model: int = 64
    heads: int = 4
    layers: int = 2
    feedforward: int = 128
    dropout: float = 0.1
    steps: int = 2000
    batch_size: int = 64
    learning_rate: float = 1e-3  # peak, after a linear warm-up; then cosine decay to a tenth
    warmup_steps: int = 200
    max_positions: int = 128
    seed: int = 0


def target_tokens(target: Any) -> tuple[str, ...]:
    return tuple(str(target)) if isinstance(target, int) else tuple(target)


def _from_tokens(tokens: Sequence[str], integer: bool) -> Any:
    if not integer:
        return tuple(tokens)
    text = "".join(tokens)
    return int(text) if text.lstrip("-").isdigit() else None


class Vocabulary:
    def __init__(self, tokens: Sequence[str]) -> None:
        self.items = list(SPECIAL) + sorted(set(tokens))
        self.index = {t: i for i, t in enumerate(self.items)}

    def encode(self, tokens: Sequence[str]) -> list[int]:
        return [self.index.get(t, UNK) for t in tokens]


class Seq2Seq(nn.Module):
    def __init__(self, n_src: int, n_tgt: int, config: Seq2SeqConfig) -> None:
        super().__init__()
        d = config.d_model
        self.src_embed, self.tgt_embed = nn.Embedding(n_src, d), nn.Embedding(n_tgt, d)
        self.positions = nn.Embedding(config.max_positions, d)
        # Pre-norm layers train stably at this learning rate without a long warm-up.
        self.transformer = nn.Transformer(
            d, config.heads, config.layers, config.layers, config.feedforward, config.dropout,
            batch_first=True, norm_first=True,
        )
        self.out = nn.Linear(d, n_tgt)

    def _embed(self, table: nn.Embedding, ids: torch.Tensor) -> torch.Tensor:
        # Token and position embeddings on the same scale: scaling the tokens by sqrt(d) (with
        # learned positions of unit scale) made word order, which SCAN is all about, a faint signal.
        pos = torch.arange(ids.shape[1]).unsqueeze(0)
        return table(ids) + self.positions(pos)

    def encode(self, src: torch.Tensor) -> torch.Tensor:
        return self.transformer.encoder(self._embed(self.src_embed, src), src_key_padding_mask=src == PAD)

    def decode(self, memory: torch.Tensor, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        mask = self.transformer.generate_square_subsequent_mask(tgt_in.shape[1])
        hidden = self.transformer.decoder(
            self._embed(self.tgt_embed, tgt_in), memory, tgt_mask=mask,
            tgt_key_padding_mask=tgt_in == PAD, memory_key_padding_mask=src == PAD,
        )
        return self.out(hidden)

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(src), src, tgt_in)


def _pad(rows: list[list[int]]) -> torch.Tensor:
    width = max(len(r) for r in rows)
    return torch.tensor([r + [PAD] * (width - len(r)) for r in rows], dtype=torch.long)


@dataclass
class Seq2SeqModel:
    net: Seq2Seq
    src: Vocabulary
    tgt: Vocabulary
    integer: bool
    config: Seq2SeqConfig
    train_seconds: float
    losses: list[float]

    @torch.no_grad()
    def predict(self, examples: Sequence[Example], chunk: int = 256, max_length: int | None = None) -> list[Any]:
        """Greedy decoding, at most `max_length` output tokens (the positions allow, if None)."""
        self.net.eval()
        out: list[Any] = []
        limit = self.config.max_positions - 1
        steps = limit - 1 if max_length is None else min(limit - 1, max_length)
        for i in range(0, len(examples), chunk):
            part = examples[i : i + chunk]
            src = _pad([self.src.encode(ex.tokens)[:limit] for ex in part])
            ys = torch.full((len(part), 1), BOS, dtype=torch.long)
            done = torch.zeros(len(part), dtype=torch.bool)
            memory = self.net.encode(src)  # once per chunk, not once per output token
            for _ in range(steps):
                nxt = self.net.decode(memory, src, ys)[:, -1].argmax(-1)
                nxt[done] = PAD
                ys = torch.cat([ys, nxt.unsqueeze(1)], dim=1)
                done |= nxt == EOS
                if bool(done.all()):
                    break
            for row in ys.tolist():
                toks = []
                for t in row[1:]:
                    if t in (EOS, PAD):
                        break
                    toks.append(self.tgt.items[t])
                out.append(_from_tokens(toks, self.integer))
        return out

    def accuracy(self, examples: Sequence[Example]) -> float:
        # Decoding stops one token past the longest label: a longer output is wrong either way,
        # so the cap saves time without changing the score.
        longest = max((len(target_tokens(ex.target)) for ex in examples), default=0)
        preds = self.predict(examples, max_length=longest + 1)
        return sum(p == ex.target for p, ex in zip(preds, examples)) / max(len(examples), 1)


def learning_rate_factor(step: int, config: Seq2SeqConfig) -> float:
    """Linear warm-up to the peak, then cosine decay to a tenth of it at the last step."""
    if step < config.warmup_steps:
        return (step + 1) / config.warmup_steps
    progress = (step - config.warmup_steps) / max(config.steps - config.warmup_steps, 1)
    return 0.1 + 0.45 * (1 + math.cos(math.pi * min(progress, 1.0)))


def train_seq2seq(train: Sequence[Example], config: Seq2SeqConfig = Seq2SeqConfig()) -> Seq2SeqModel:
    """Teacher-forced cross-entropy for a fixed number of steps."""
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    integer = isinstance(train[0].target, int)
    src = Vocabulary([t for ex in train for t in ex.tokens])
    tgt = Vocabulary([t for ex in train for t in target_tokens(ex.target)])
    net = Seq2Seq(len(src.items), len(tgt.items), config)
    opt = torch.optim.Adam(net.parameters(), lr=config.learning_rate)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: learning_rate_factor(step, config))
    limit = config.max_positions - 1
    start, losses = time.perf_counter(), []
    net.train()
    for _ in range(config.steps):
        batch = [rng.choice(train) for _ in range(config.batch_size)]
        s = _pad([src.encode(ex.tokens)[:limit] for ex in batch])
        t = _pad([[BOS] + tgt.encode(target_tokens(ex.target))[: limit - 1] + [EOS] for ex in batch])
        logits = net(s, t[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), t[:, 1:].reshape(-1), ignore_index=PAD)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        schedule.step()
        losses.append(loss.item())
    return Seq2SeqModel(net, src, tgt, integer, config, time.perf_counter() - start, losses)
