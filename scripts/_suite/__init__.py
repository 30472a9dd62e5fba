"""Shared Python for the launch scripts, the demo, the benchmarks and the tests (not an `ape run` script)."""
