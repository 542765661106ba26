"""Notifications: the worker that tells users what concerns them (in the app and by e-mail)."""
