"""Zalo Official Account: the outbound client (customer-service messages, user profiles) and the store that
keeps the OA's single-use refresh token safe across instances."""
