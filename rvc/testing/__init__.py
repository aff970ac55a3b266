"""Test and benchmark support: builds tiny random-weight files in the real formats and synthetic speech.

Shared by tests/ and bench/ (so benchmarks never import the test suite); nothing else in `rvc` imports it.
"""
