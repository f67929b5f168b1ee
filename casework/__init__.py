"""The policy: its rules (policy.py), its vocabulary, and its use cases one module per flow. No Teams, no SQL."""
