"""Small behaviours Streamlit has no setting for, done by a fixed script in the page (never user text)."""

from __future__ import annotations

import streamlit as st

# Streamlit sends a text area's value when it loses focus (or on Ctrl+Enter); until then it shows
# "Press Ctrl+Enter to apply" under the field. A refresh or a closed tab in that moment would lose
# the text, so the browser is asked to confirm leaving, and the field is committed first.
_UNSAVED_TEXT_GUARD = """
<script>
(() => {
  const win = window;
  if (win.__itscmUnsavedGuard) return;
  win.__itscmUnsavedGuard = true;
  const dirty = () => win.document.querySelector('[data-testid="InputInstructions"]') !== null;
  win.addEventListener("beforeunload", (event) => {
    if (!dirty()) return;
    const active = win.document.activeElement;
    if (active && typeof active.blur === "function") active.blur();
    event.preventDefault();
    // Older browsers ask only when a text is returned; browsers show their own wording.
    event.returnValue = "Text you typed has not been saved yet.";
    return event.returnValue;
  });
  win.document.addEventListener("visibilitychange", () => {
    if (win.document.visibilityState === "hidden" && dirty()) {
      const active = win.document.activeElement;
      if (active && typeof active.blur === "function") active.blur();
    }
  });
})();
</script>
"""


def guard_unsaved_text() -> None:
    """Ask before a refresh or a closed tab drops text typed but not yet sent, and send it when the tab hides."""
    st.html(_UNSAVED_TEXT_GUARD, unsafe_allow_javascript=True, width="content")


def scroll_to_top(count: int) -> None:
    """Scroll the page back to its top; pass a new `count` each time it should happen again."""
    # A new count makes the element new, so the script runs once more.
    st.html(
        f"<script>/* {int(count)} */ (() => {{"
        "const main = window.document.querySelector('[data-testid=\"stMain\"]');"
        "if (main) main.scrollTo({top: 0}); window.scrollTo({top: 0});"
        "})();</script>",
        unsafe_allow_javascript=True,
        width="content",
    )
