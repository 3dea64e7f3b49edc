"""Training rules: plain functions and values, no I/O."""
