"""Approvals and policy: the pure decision core of the boundary."""
