from ratchet.models import CachedModel, ResponseCache, SamplingParams, ScriptedModel, sample_n
from ratchet.models.cache import cache_key

MESSAGES = [{"role": "user", "content": "hi"}]


def counter_model():
    state = {"n": 0}

    def reply(messages, params):
        state["n"] += 1
        return f"reply {state['n']} seed {params.seed}"

    return ScriptedModel(reply)


def test_key_depends_on_every_parameter_and_the_sample():
    base = SamplingParams()
    keys = {
        cache_key("m", MESSAGES, base),
        cache_key("m2", MESSAGES, base),
        cache_key("m", [{"role": "user", "content": "hi!"}], base),
        cache_key("m", MESSAGES, SamplingParams(temperature=0.7)),
        cache_key("m", MESSAGES, SamplingParams(top_p=0.9)),
        cache_key("m", MESSAGES, SamplingParams(max_tokens=10)),
        cache_key("m", MESSAGES, SamplingParams(stop=("\n",))),
        cache_key("m", MESSAGES, SamplingParams(logprobs=0)),
        cache_key("m", MESSAGES, base.for_sample(1)),
    }
    assert len(keys) == 9


def test_n_samples_stay_distinct_and_a_rerun_is_free_and_identical(tmp_path):
    inner = counter_model()
    model = CachedModel(inner, ResponseCache(tmp_path / "c.sqlite"))
    params = SamplingParams(temperature=0.8)
    first = sample_n(model, MESSAGES, params, 3)
    assert len({c.text for c in first}) == 3
    assert not any(c.cached for c in first)
    again = CachedModel(inner, ResponseCache(tmp_path / "c.sqlite"))  # a new process, same file
    second = sample_n(again, MESSAGES, params, 3)
    assert [c.text for c in second] == [c.text for c in first]
    assert all(c.cached and c.usage.seconds == 0 for c in second)
    assert len(inner.calls) == 3


def test_without_the_cache_every_call_reaches_the_model(tmp_path):
    inner = counter_model()
    sample_n(inner, MESSAGES, SamplingParams(), 2)
    sample_n(inner, MESSAGES, SamplingParams(), 2)
    assert len(inner.calls) == 4
