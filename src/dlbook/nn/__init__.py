"""Tested neural-network layers that the chapters reuse."""
