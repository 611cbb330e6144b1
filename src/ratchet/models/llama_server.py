"""`python -m ratchet.models.llama_server ARGS`: llama-cpp-python's OpenAI-compatible server.

It takes exactly the arguments of `python -m llama_cpp.server` and loads its models with the CPU
setting `ratchet.models.cpu` chooses (`use_extra_bufts = false` on an AMX CPU, or when
RATCHET_LLAMA_SAFE_CPU=1), which `llama_cpp.server` has no option for. The setting is printed on
stderr when the server starts.
"""

from __future__ import annotations

import contextlib
import sys

from ratchet.errors import MissingExtraError, UserError
from ratchet.models.cpu import detect_setting


def main() -> None:
    try:
        setting = detect_setting()
        try:
            from llama_cpp.server.__main__ import main as serve
        except ImportError as error:
            raise MissingExtraError("the llama.cpp server", "local", "'llama-cpp-python[server]'") from error
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    from ratchet.models.llamacpp import without_extra_bufts

    print(f"ratchet: llama.cpp use_extra_bufts={str(setting.use_extra_bufts).lower()} ({setting.reason})",
          file=sys.stderr, flush=True)
    with contextlib.nullcontext() if setting.use_extra_bufts else without_extra_bufts():
        serve()


if __name__ == "__main__":
    main()
