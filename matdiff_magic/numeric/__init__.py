"""numeric: see CONTRIBUTING.md."""
