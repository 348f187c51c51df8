"""Delivery of invitations: one small backend per method behind a common interface."""
