"""Conversation flows: they collect input and call casework use cases. No policy rule lives here."""
