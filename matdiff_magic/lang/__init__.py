"""lang: see CONTRIBUTING.md."""
