"""Uploads on a page: read once, refused with a reason when of the wrong kind, cleared after an import."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from ui.text import md

T = TypeVar("T")


def finish_import(message: str, uploader: str) -> None:
    """Show only the outcome after an import: clear the upload and its checks, keep one message."""
    st.session_state["data-flash"] = message
    st.session_state[f"{uploader}-round"] = st.session_state.get(f"{uploader}-round", 0) + 1
    st.rerun()


def uploader_key(name: str) -> str:
    """A key that changes after each finished import, so the uploader starts empty again."""
    return f"{name}-{st.session_state.get(f'{name}-round', 0)}"


def read_once(upload: UploadedFile, purpose: str, read: Callable[[bytes], T]) -> T:
    """Read an upload the first time it is seen, and reuse the result on every later rerun."""
    key = f"read-{purpose}"
    cached = st.session_state.get(key)
    if cached is not None and cached[0] == upload.file_id:
        return cached[1]
    result = read(upload.getvalue())
    st.session_state[key] = (upload.file_id, result)
    return result


def right_kind(upload: UploadedFile, suffixes: tuple[str, ...], what: str, how: str) -> bool:
    """Say why a file of the wrong kind is refused, instead of a bare 'not allowed'."""
    if upload.name.lower().endswith(suffixes):
        return True
    st.error(md(f"{upload.name} is not {what} ({' or '.join(suffixes)}): {how}"), icon=":material/block:")
    return False
