"""algebra: see CONTRIBUTING.md."""
