"""The policy: its rules (policy.py, types.py) and its use cases (services.py). No Teams, no SQL."""
