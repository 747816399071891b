"""An upload is read once however often the page reruns, and a file of the wrong kind is refused with a reason."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def page_reading_an_upload() -> None:
    from types import SimpleNamespace

    import streamlit as st

    from ui.uploads import read_once, right_kind

    name = st.session_state.get("name", "answers.xlsx")
    upload = SimpleNamespace(file_id=st.session_state.get("file_id", "f1"), name=name, getvalue=lambda: b"raw")
    reads = st.session_state.setdefault("reads", [])

    def read(raw: bytes) -> str:
        reads.append(raw)
        return f"parsed {len(reads)}"

    if right_kind(upload, (".xlsx",), "an Excel workbook", "export an offline questionnaire first."):
        st.markdown(read_once(upload, "offline", read))
    st.button("Rerun")


def test_an_upload_is_read_once_across_reruns_and_again_when_another_file_comes() -> None:
    at = AppTest.from_function(page_reading_an_upload).run()
    at.button[0].click().run()
    at.button[0].click().run()
    assert len(at.session_state["reads"]) == 1
    assert at.markdown[0].value == "parsed 1"
    at.session_state["file_id"] = "f2"
    at.run()
    assert len(at.session_state["reads"]) == 2


def test_a_file_of_the_wrong_kind_is_refused_saying_what_was_expected_and_how_to_get_it() -> None:
    at = AppTest.from_function(page_reading_an_upload)
    at.session_state["name"] = "answers.csv"
    at.run()
    assert "answers\\.csv is not an Excel workbook \\(\\.xlsx\\)" in at.error[0].value
    assert "export an offline questionnaire first" in at.error[0].value
    assert "reads" not in at.session_state or at.session_state["reads"] == []
