"""A long job of one kind cannot start twice at once; other kinds are not held up."""

from __future__ import annotations

from ui.jobs import exclusive


def test_a_second_job_of_the_same_kind_is_refused_while_the_first_runs() -> None:
    with exclusive("export") as first:
        assert first
        with exclusive("export") as second:
            assert not second
        with exclusive("restore") as other:
            assert other


def test_the_lock_is_released_when_the_job_ends_even_by_an_error() -> None:
    try:
        with exclusive("import") as got:
            assert got
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with exclusive("import") as again:
        assert again
