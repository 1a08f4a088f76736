"""One Alembic branch per store: feedback, users, study."""
