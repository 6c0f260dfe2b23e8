"""Text normalisation for matching what people type against known names."""

from __future__ import annotations


def normalize(text: str) -> str:
    """Lower-case alphanumerics only: case, spaces, hyphens and punctuation do not matter."""
    return "".join(char for char in text.lower() if char.isalnum())
