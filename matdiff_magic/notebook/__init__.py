"""notebook: see CONTRIBUTING.md."""
