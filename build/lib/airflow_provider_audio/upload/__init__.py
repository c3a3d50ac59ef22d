"""Chunked uploads: part plans, byte sources, and a multipart body that never copies a part."""
