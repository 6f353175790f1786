"""pakn: Hanoi's Zalo channel for phản ánh, kiến nghị (feedback and petitions) on administrative procedures.

The package is plain Python; `functions/main.py` only wires HTTP requests and Pub/Sub pushes to it.
"""
