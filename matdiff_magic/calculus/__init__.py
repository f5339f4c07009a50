"""calculus: see CONTRIBUTING.md."""
