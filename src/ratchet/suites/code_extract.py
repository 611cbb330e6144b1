"""Getting runnable Python out of a chat answer: fenced or not, whole function or body only."""

from __future__ import annotations

import ast
import re
import textwrap

FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
# where unfenced code begins: a definition, an import, or a decorator line above a definition
CODE_START = re.compile(r"\s*(def |async def |import |from \S+ import |class |@[A-Za-z_][\w.]*(\(.*\))?\s*$)")
KEPT_NODES = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
              ast.Assign, ast.AnnAssign)


def fenced_blocks(text: str) -> list[str]:
    """Code blocks in Markdown fences (python-tagged or untagged), in order; an unclosed final
    fence (the answer was cut off) counts too."""
    blocks = []
    for language, body in FENCE.findall(text):
        if language.lower() in ("", "python", "py", "python3"):
            blocks.append(body)
    return blocks


def defines(code: str, name: str) -> bool:
    return re.search(rf"^\s*(async\s+)?def\s+{re.escape(name)}\s*\(", code, re.MULTILINE) is not None


def extract_code(text: str, entry_point: str | None = None) -> str | None:
    """The most plausible code in a chat answer, or None when there is none.

    Preference: a fenced block that defines `entry_point`, then the longest fenced block, then the
    unfenced text from its first `def`/`import` line, then the whole text if it parses as Python
    (a bare function body).
    """
    blocks = fenced_blocks(text)
    if blocks:
        if entry_point:
            for block in blocks:
                if defines(block, entry_point):
                    return block.strip("\n")
        return max(blocks, key=len).strip("\n")
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if CODE_START.match(line):
            return "\n".join(lines[index:]).strip("\n")
    body = text.strip("\n")
    if body.strip() and _parses(_as_body(body)):
        return body
    return None


def sanitize(code: str) -> str:
    """Keep only definitions and imports from model code, dropping top-level calls, prints and
    `if __name__ == "__main__":` blocks that would run (or wait for input) during verification."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    kept = [_source_with_decorators(code, node) for node in tree.body if isinstance(node, KEPT_NODES)]
    return "\n\n".join(segment for segment in kept if segment)


def _source_with_decorators(code: str, node: ast.stmt) -> str | None:
    """The source of a top-level statement; a decorated definition's node starts at its `def` or
    `class` line, so the lines from its first decorator are put back in front."""
    decorators = getattr(node, "decorator_list", None)
    if not decorators:
        return ast.get_source_segment(code, node)
    # a decorator's `@` opens its line at top level, so the span starts at column 0
    span = ast.Pass(lineno=decorators[0].lineno, col_offset=0,
                    end_lineno=node.end_lineno, end_col_offset=node.end_col_offset)
    return ast.get_source_segment(code, span)


def _as_body(code: str) -> str:
    return "def _f():\n" + textwrap.indent(textwrap.dedent(code), "    ")


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except SyntaxError:
        return False
    return True


def complete_program(prompt: str, code: str, entry_point: str) -> str:
    """The solution module: the problem's prompt completed by `code`.

    A whole function (or module) is appended after the prompt, whose own copy of the function
    has only a docstring and is therefore replaced; a bare body is indented under the prompt's
    signature.
    """
    if defines(code, entry_point):
        return prompt.rstrip() + "\n    pass\n\n" + sanitize(code) + "\n"
    body = textwrap.dedent(code)
    return prompt.rstrip("\n") + "\n" + textwrap.indent(body, "    ") + "\n"
