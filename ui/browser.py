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


# Behind a proxy with several app processes, a browser whose process stopped reconnects to another one, where
# Streamlit makes it a new, empty session without running the page: the page on screen still looks alive, but
# its clicks go to parts of a page the new process never drew, and are dropped. So when the connection comes
# back, the page loads again: it then runs on the process now serving it and shows what is stored, every saved
# answer included. The first connection is open before this script runs: any later one is a reconnection.
_RELOAD_AFTER_RECONNECT = """
<script>
(() => {
  const win = window;
  if (win.__appReloadAfterReconnect) return;
  win.__appReloadAfterReconnect = true;
  const Original = win.WebSocket;
  win.WebSocket = class extends Original {
    constructor(...args) {
      super(...args);
      if (String(args[0]).includes("/_stcore/stream")) {
        this.addEventListener("open", () => win.location.reload());
      }
    }
  };
})();
</script>
"""


def reload_after_reconnect() -> None:
    """Load the page again when its lost connection to the server comes back (possibly to another app process)."""
    st.html(_RELOAD_AFTER_RECONNECT, unsafe_allow_javascript=True, width="content")


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
