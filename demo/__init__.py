"""Demonstration data for `make run`: sits above every other app and nothing depends on it."""
