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


DECORATED = [
    # a frozen dataclass helper: without its decorator Point(1, 2) has no __init__ arguments
    ("from dataclasses import dataclass\n\n@dataclass(frozen=True)\nclass Point:\n    x: int\n    y: int\n\n"
     "def add(a, b):\n    return Point(a, b).x + Point(a, b).y\n"),
    # lru_cache on a recursive helper, decorator with arguments spanning two lines
    ("import functools\n\n@functools.lru_cache(\n    maxsize=None)\ndef total(a, b):\n    return a + b\n\n"
     "def add(a, b):\n    return total(a, b) if total.cache_info() is not None else None\n"),
    # a class whose methods are decorated, and a stacked pair of decorators on the class
    ("import functools\n\ndef tag(cls):\n    cls.tagged = True\n    return cls\n\n@tag\n@functools.total_ordering\n"
     "class Adder:\n    @staticmethod\n    def add(a, b):\n        return a + b\n\n    @classmethod\n"
     "    def make(cls):\n        return cls()\n\n    @property\n    def ready(self):\n        return self.tagged\n\n"
     "    def __eq__(self, other):\n        return True\n\n    def __lt__(self, other):\n        return False\n\n"
     "def add(a, b):\n    assert Adder.make().ready and Adder() >= Adder()\n    return Adder.add(a, b)\n"),
]


@pytest.mark.parametrize("code", DECORATED)
def test_sanitize_keeps_decorators(code):
    cleaned = sanitize(code + "print(add(2, 3))\n")
    assert "print(add" not in cleaned
    assert cleaned.count("@") == code.count("@")
    namespace: dict = {}
    exec(compile(complete_program(PROMPT, cleaned, "add"), "<test>", "exec"), namespace)  # trusted
    assert namespace["add"](2, 3) == 5


def test_unfenced_code_starting_with_a_decorator_keeps_it():
    answer = "Here is my solution:\n@staticmethod\ndef helper(a, b):\n    return a + b\n\ndef add(a, b):\n" \
             "    return helper.__func__(a, b)\n"
    code = extract_code(answer, "add")
    assert code.startswith("@staticmethod")
    namespace: dict = {}
    exec(compile(complete_program(PROMPT, code, "add"), "<test>", "exec"), namespace)  # trusted
    assert namespace["add"](2, 3) == 5
