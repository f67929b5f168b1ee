"""The Teams edge: settings, adapter, HTTP endpoint, activity handler, card actions, notifier and reminders.

Every botbuilder import lives here or in dialogs/, so a move to the Microsoft 365 Agents SDK stays contained.
"""
