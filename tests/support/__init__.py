"""Helpers shared by tests and benchmarks: a virtual display, a clock tests move by hand."""
