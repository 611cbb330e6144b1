import ast

import pytest

from ratchet.suites.code_extract import complete_program, extract_code, sanitize

PROMPT = 'def add(a, b):\n    """Add two numbers.\n    >>> add(2, 3)\n    5\n    """\n'


@pytest.mark.parametrize(
    "answer,expected_fragment",
    [
        ("Here you go:\n```python\ndef add(a, b):\n    return a + b\n```\nDone.", "return a + b"),
        ("```\ndef add(a, b):\n    return a + b\n```", "return a + b"),
        ("```py\nimport math\ndef add(a, b):\n    return a + b\n", "import math"),  # unclosed fence
        ("def add(a, b):\n    return a + b", "def add"),
        ("Sure! The function is\ndef add(a, b):\n    return a+b", "return a+b"),
        ("    return a + b\n", "return a + b"),
    ],
)
def test_extracts_code_from_chat_answers(answer, expected_fragment):
    code = extract_code(answer, "add")
    assert code is not None and expected_fragment in code
    program = complete_program(PROMPT, code, "add")
    namespace: dict = {}
    exec(compile(program, "<test>", "exec"), namespace)  # trusted test strings only
    assert namespace["add"](2, 3) == 5


def test_prefers_the_block_that_defines_the_entry_point():
    answer = "```python\nprint('usage')\n```\n```python\ndef add(a, b):\n    return a + b\n```"
    assert "def add" in extract_code(answer, "add")


def test_no_code_gives_none():
    assert extract_code("I cannot solve this, sorry!", "add") is None
    assert extract_code("", "add") is None


def test_sanitize_drops_top_level_calls_and_main_blocks():
    code = "import os\ndef f():\n    return 1\nprint(f())\nif __name__ == '__main__':\n    input()\n"
    cleaned = sanitize(code)
    assert "print" not in cleaned and "input" not in cleaned and "def f" in cleaned
    ast.parse(cleaned)
