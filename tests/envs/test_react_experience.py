"""Traj-Bootstrap on an environment: ReAct's successful episodes go into the experience store and
come back as exemplars, by goal and by state window."""

from ratchet.core import Attempt, Split, SolverView
from ratchet.envs.wordcraft import WordcraftSuite
from ratchet.experience import ExperienceStore, StoreRetriever, experience_from_attempt
from ratchet.models import SamplingParams, ScriptedModel
from ratchet.solvers.react import ReActSolver


def oracle(suite, tasks):
    """Replies with each puzzle's solution, one combination per step."""
    def reply(messages, params):
        task = next(t for t in tasks if t.prompt in messages[1]["content"])
        steps = suite._puzzles[task.id].solution
        done = sum(1 for m in messages[2:] if m["role"] == "assistant")
        a, b = steps[min(done, len(steps) - 1)]
        return f"Thought: combine what the goal needs.\nAction: combine {a} and {b}"
    return ScriptedModel(reply)


def test_stored_episodes_are_retrieved_by_goal_and_by_state(tmp_path):
    suite = WordcraftSuite()
    train = [t for t in suite.tasks(Split.TRAIN) if t.difficulty == 2][:6]
    store = ExperienceStore.open(tmp_path / "db.sqlite")
    model, view = oracle(suite, train), SolverView(suite)
    for task in train:
        solution = ReActSolver().solve(task, view, model, SamplingParams())
        verdict = suite.verify(task, solution.completion)
        assert verdict.passed
        store.add([experience_from_attempt(Attempt(task.id, 0, solution, verdict, "react"), suite=suite.name,
                                           key=task.prompt, model="scripted", run="bootstrap")])

    by_goal = StoreRetriever(store, suite=suite.name)
    by_state = StoreRetriever(store, suite=suite.name, by="state")
    target = train[0]  # its own episode is excluded, the others are candidates
    agent = ReActSolver(k=2).with_exemplars(by_goal, by_state)
    model = oracle(suite, [target])
    solution = agent.solve(target, view, model, SamplingParams())
    assert solution.stop_reason == "success"
    shown = set(solution.exemplar_ids)
    stored = {e.id: e.task_id for e in store.iter(suite=suite.name)}
    assert shown and shown <= set(stored) and target.id not in {stored[i] for i in shown}
    first_prompt = model.calls[0][0][1]["content"]
    assert first_prompt.startswith("Successful episodes from similar tasks:")
    assert "Action: combine" in first_prompt.split("--- End of examples ---")[0]
    assert "Successful episodes from similar situations:" in model.calls[1][0][-1]["content"]
    assert all("Successful episodes" not in t.content for t in solution.trajectory)
    store.close()
