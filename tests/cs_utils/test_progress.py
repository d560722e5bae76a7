from cs_utils.progress import in_jupyter_kernel, progress_bar


def test_terminal_bar_goes_to_stdout_never_stderr(capsys):
    assert not in_jupyter_kernel()
    assert sum(progress_bar(range(5), desc="Counting")) == 10
    out, err = capsys.readouterr()
    assert err == ""
    assert "Counting" in out and "5/5" in out


def test_disabled_bar_draws_nothing(capsys):
    assert list(progress_bar(range(3), disable=True)) == [0, 1, 2]
    assert capsys.readouterr() == ("", "")
