"""Ratchet: language-model systems that improve themselves from their own experience.

Nothing is kept unless it beats the incumbent on held-out data; the test split is never read
while improving.
"""

__version__ = "0.1.0"
