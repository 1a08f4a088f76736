"""Ingest: load, clean, split into sections, chunk, embed and store technique documents."""
