"""Facts behind the answers: an organisation's service register and its exercise and incident log."""
