"""Conformance tests for the Daily emulator, over real HTTP (reference §9)."""
