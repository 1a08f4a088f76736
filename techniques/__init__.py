"""technique-assistant: shared settings, the user-facing error type and the command line."""
