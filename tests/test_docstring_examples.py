from ratchet.suites.docstring_examples import Example, docstring_examples


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


def test_every_humaneval_problem_is_read_and_most_have_examples():
    from ratchet.suites.humaneval import HumanEvalSuite

    tasks = HumanEvalSuite().all_tasks()
    with_examples = sum(bool(docstring_examples(t.prompt, t.visible["entry_point"])) for t in tasks)
    assert len(tasks) == 164
    assert with_examples >= 110  # 115 of 164 have parseable examples
