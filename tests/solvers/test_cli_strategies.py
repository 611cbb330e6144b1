"""Bad strategy input on the command line: one line on stderr, exit code 2, before any model loads."""

import pytest

from ratchet.cli.main import main


@pytest.mark.parametrize(
    "args,expected",
    [
        (["eval", "--strategy", "self-debgu"], "did you mean 'self-debug'"),
        (["eval", "--strategy", "self-refine", "--max-rounds", "0"], "Invalid value for '--max-rounds'"),
        (["eval", "--strategy", "self-refine", "--n-votes", "3"], "takes no option 'n' (--n-votes)"),
        (["eval", "--strategy", "self-debug", "--suite", "gsm"], "suite 'gsm' has none"),
        (["eval", "--strategy", "reflexion", "--suite", "gsm"], "suite 'gsm' has none"),
        (["eval", "--strategy", "gated", "--gate", "vibes"], "gate must be one of"),
        (["compare", "--strategies", "sample,reflexon"], "did you mean 'reflexion'"),
        (["compare", "--strategies", "sample,self-debug", "--suite", "gsm"], "suite 'gsm' has none"),
        (["compare", "--max-rounds", "0"], "Invalid value for '--max-rounds'"),
        (["compare", "--resample", "1"], "--resample must be 0"),
    ],
)
def test_bad_strategy_input_is_a_one_line_error(args, expected, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(args)
    stderr = capsys.readouterr().err
    assert exit_.value.code == 2, stderr
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], stderr
