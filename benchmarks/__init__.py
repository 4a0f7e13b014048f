"""Benchmark harness and suites (speed of extractors; accuracy of handcrafted vs deep vs fused)."""
