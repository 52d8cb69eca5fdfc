"""tgreader: a keyboard-first terminal reader for archives of public Telegram channels."""

__version__ = "0.1.0"
