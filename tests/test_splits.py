from ratchet.core import Split, assign_splits


def test_split_sizes_follow_the_documented_fractions():
    splits = assign_splits("demo", [f"t{i}" for i in range(100)])
    counts = {s: sum(1 for v in splits.values() if v == s) for s in Split}
    assert counts == {Split.TRAIN: 40, Split.DEV: 20, Split.TEST: 40}


def test_splits_do_not_depend_on_order_and_differ_per_suite():
    ids = [f"t{i}" for i in range(50)]
    assert assign_splits("demo", ids) == assign_splits("demo", list(reversed(ids)))
    assert assign_splits("demo", ids) != assign_splits("other", ids)


def test_humaneval_splits_are_fixed():
    from ratchet.suites.humaneval import HumanEvalSuite

    suite = HumanEvalSuite()
    sizes = [len(suite.tasks(s)) for s in Split]
    assert sizes == [65, 32, 67]
    test_ids = {t.id for t in suite.tasks(Split.TEST)}
    assert not test_ids & {t.id for t in suite.tasks(Split.TRAIN)}
