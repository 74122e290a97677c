"""Supervision of live calls: listen, whisper to the dispatcher, barge in; escalation."""
