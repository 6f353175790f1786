"""Zalo Official Account: webhook events and their signature, the outbound client (customer-service
messages), and the store that keeps the OA's single-use refresh token safe across instances."""
