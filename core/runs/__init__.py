"""Runs: storing a calculation and reading stored results."""
