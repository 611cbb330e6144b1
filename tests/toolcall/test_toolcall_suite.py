import json

import pytest

from ratchet.core import Split, Status
from ratchet.errors import UserError
from ratchet.suites.registry import load_suite
from ratchet.suites.toolcall import ToolCallSuite, load_toolcall_file, normalise_call, parse_call
from ratchet.suites.toolcall.calls import schemas_by_name
from ratchet.suites.toolcall.values import parse_date, parse_number, parse_time


@pytest.fixture(scope="module")
def suite() -> ToolCallSuite:
    return ToolCallSuite()


def test_the_library_is_large_and_varied(suite):
    domains = {spec.domain for spec in suite.functions}
    assert len(suite.functions) >= 50 and len(domains) >= 8
    assert {"weather", "calendar", "banking", "travel", "maths", "files", "messaging", "shop"} <= domains
    assert len(suite.all_tasks()) == 60 * 20


def test_every_gold_call_passes_and_the_prompt_lists_it(suite):
    for task in suite.all_tasks()[:200]:
        gold = suite.gold_call(task)
        assert suite.verify(task, suite.reference_completion(task)).passed
        assert gold["name"] in {f["name"] for f in task.visible["functions"]}
        assert gold["name"] in suite.messages(task)[1]["content"]
        assert len(task.visible["candidates"]) == 4


def test_splits_shift_domains_and_phrasings(suite):
    counts = suite.describe_splits()
    assert set(counts["train"]) == {"none"} and set(counts["dev"]) == {"none"}
    assert counts["test"]["domain"] == 12 * 20 and counts["test"]["phrasing"] > 100
    train_domains = {t.visible["domain"] for t in suite.tasks(Split.TRAIN)}
    assert not train_domains & {"music", "smart_home"}
    assert all("Before I forget" not in t.prompt for t in suite.tasks(Split.TRAIN))
    # the splits are fixed: the same on a second instance
    assert [t.id for t in ToolCallSuite().tasks(Split.TEST)] == [t.id for t in suite.tasks(Split.TEST)]


def test_generation_is_deterministic_and_requests_are_distinct(suite):
    again = ToolCallSuite()
    assert [t.prompt for t in again.all_tasks()] == [t.prompt for t in suite.all_tasks()]
    by_function: dict[str, set] = {}
    for task in suite.all_tasks():
        by_function.setdefault(task.id.split("/")[1], set()).add(task.prompt)
    assert all(len(prompts) == 20 for prompts in by_function.values())


FORECAST = {"name": "get_forecast", "parameters": {"type": "object", "properties": {
    "city": {"type": "string"}, "days": {"type": "integer"}}, "required": ["city", "days"]}}
MEETING = {"name": "create_event", "parameters": {"type": "object", "properties": {
    "title": {"type": "string"}, "date": {"type": "string", "format": "date"},
    "time": {"type": "string", "format": "time"},
    "units": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"},
    "path": {"type": "string", "x-compare": "exact"}, "code": {"type": "string", "x-compare": "upper"},
    "amount": {"type": "number"}, "members": {"type": "array", "x-unordered": True, "items": {"type": "string"}},
    "body": {"type": "string", "x-compare": "text"}}, "required": ["title", "date"]}}
SCHEMAS = schemas_by_name([FORECAST, MEETING])


def same(a: dict, b: dict) -> bool:
    return normalise_call(a, SCHEMAS) == normalise_call(b, SCHEMAS)


@pytest.mark.parametrize("left, right", [
    ({"days": 3, "city": "Paris"}, {"city": "paris", "days": "3"}),
    ({"city": "Paris", "days": 3}, {"city": "Paris ", "days": 3.0}),
    ({"city": "Paris", "days": 3}, {"city": "PARIS", "days": "three"}),
])
def test_normalisation_of_order_types_and_case(left, right):
    assert same({"name": "get_forecast", "arguments": left}, {"name": "get_forecast", "arguments": right})


@pytest.mark.parametrize("key, left, right", [
    ("date", "2025-03-05", "March 5th, 2025"),
    ("date", "2025-03-05", "5 March 2025"),
    ("time", "15:00", "3pm"),
    ("time", "09:30", "9:30 a.m."),
    ("amount", 1250.5, "$1,250.50"),
    ("units", "celsius", "Celsius"),
    ("code", "BA117", "ba 117"),
    ("members", ["Ana", "Bo"], ["bo", "ana"]),
    ("body", "Dinner is at seven", "dinner is at seven."),
])
def test_normalisation_of_formats(key, left, right):
    base = {"title": "x", "date": "2025-01-01"}
    a = {"name": "create_event", "arguments": {**base, key: left}}
    b = {"name": "create_event", "arguments": {**base, key: right}}
    assert same(a, b)


def test_what_must_still_differ():
    base = {"title": "x", "date": "2025-01-01"}
    call = lambda **kw: {"name": "create_event", "arguments": {**base, **kw}}  # noqa: E731
    assert not same(call(path="/a/B.txt"), call(path="/a/b.txt"))  # paths are exact
    assert not same(call(time="15:00"), call(time="3am"))
    assert not same(call(amount=10), call(amount=10.5))
    assert not same(call(), call(code="X"))  # an extra argument
    assert same(call(), call(units="celsius"))  # the default counts as left out
    assert not same({"name": "get_forecast", "arguments": {"city": "a", "days": 1}},
                    {"name": "create_event", "arguments": {"city": "a", "days": 1}})


@pytest.mark.parametrize("text", [
    '{"name": "f", "arguments": {"a": 1}}',
    'Sure!\n```json\n{"name": "f", "arguments": {"a": 1}}\n```',
    '<tool_call>{"name": "f", "parameters": {"a": 1}}</tool_call>',
    '{"function": {"name": "f", "arguments": "{\\"a\\": 1}"}}',
    '{"tool_calls": [{"type": "function", "function": {"name": "f", "arguments": {"a": 1}}}]}',
])
def test_parse_call_accepts_common_shapes(text):
    assert parse_call(text) == {"name": "f", "arguments": {"a": 1}}


def test_parse_call_refuses_what_is_not_a_call():
    assert parse_call("I would call get_forecast for Paris") is None
    assert parse_call('{"city": "Paris"}') is None


def test_values_read_back():
    assert parse_date("Jan 2, 2026") == "2026-01-02" and parse_date("tomorrow") is None
    assert parse_time("noon") == "12:00" and parse_time("13pm") is None
    assert parse_number("€ 1,000") == 1000.0 and parse_number("five") == 5.0


def test_verdicts(suite):
    task = suite.tasks(Split.TEST)[0]
    assert suite.verify(task, "no idea").status == Status.BAD_FORMAT
    wrong = {"name": "not_a_function", "arguments": {}}
    verdict = suite.verify(task, json.dumps(wrong))
    assert not verdict.passed and verdict.feedback == "wrong function"
    gold = suite.gold_call(task)
    if gold["arguments"]:
        key = next(iter(gold["arguments"]))
        broken = {"name": gold["name"], "arguments": {**gold["arguments"], key: "???"}}
        verdict = suite.verify(task, json.dumps(broken))
        assert verdict.feedback == f"wrong value for {key}"
        assert "???" not in verdict.feedback


def user_file(tmp_path, **extra):
    data = {
        "name": "crm",
        "functions": [
            {"type": "function", "function": {"name": "lookup_customer", "description": "Find a customer",
             "parameters": {"type": "object", "properties": {"customer_id": {"type": "string", "examples": ["C-1", "C-2", "C-3"],
                                                                            "x-compare": "upper"}},
                            "required": ["customer_id"]}}},
            {"name": "open_ticket", "description": "Open a support ticket",
             "parameters": {"type": "object", "properties": {
                 "priority": {"type": "string", "enum": ["low", "high"]},
                 "due": {"type": "string", "format": "date"}}, "required": ["priority"]}},
        ],
        "templates": {"lookup_customer": ["look up customer {customer_id}", "find the record of {customer_id}"],
                      "open_ticket": ["open a {priority} priority ticket", "file a {priority} ticket due {due}"]},
        "domains": {"lookup_customer": "crm", "open_ticket": "support"},
        "held_out": {"domains": ["support"]},
        "per_function": 6,
        **extra,
    }
    path = tmp_path / "tools.json"
    path.write_text(json.dumps(data))
    return path


def test_a_user_can_bring_their_own_schemas(tmp_path):
    path = user_file(tmp_path)
    suite = load_suite(f"toolcall:{path}")
    assert suite.name == "toolcall-crm" and len(suite.all_tasks()) == 12
    assert all(suite.verify(t, suite.reference_completion(t)).passed for t in suite.all_tasks())
    assert {suite.shift_of(t) for t in suite.tasks(Split.TEST)} >= {"domain"}
    assert all(t.visible["domain"] == "crm" for t in suite.tasks(Split.TRAIN))


def test_bad_user_files_name_the_fix(tmp_path):
    with pytest.raises(UserError, match="no toolcall schema file"):
        load_toolcall_file(tmp_path / "missing.json")
    path = user_file(tmp_path, templates={"lookup_customer": ["look someone up"], "open_ticket": ["x {priority}"]})
    with pytest.raises(UserError, match="leaves out required parameter"):
        load_toolcall_file(path)
    bare = {"functions": [{"name": "f", "parameters": {"type": "object", "properties": {"who": {"type": "string"}},
                                                       "required": ["who"]}}],
            "templates": {"f": ["greet {who}"]}}
    (tmp_path / "bare.json").write_text(json.dumps(bare))
    with pytest.raises(UserError, match='add "examples"'):
        load_toolcall_file(tmp_path / "bare.json").all_tasks()
