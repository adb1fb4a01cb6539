"""Test data builders, one module per feature."""
