"""One module per doctor check."""
