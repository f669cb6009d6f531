"""Benchmarks and the fault soak of aepx.

``python -m bench`` measures every figure against a baseline taken in the same run and writes
``bench/results.json``; ``python -m bench.soak`` drives the console through faults and checks the outcome.
"""
