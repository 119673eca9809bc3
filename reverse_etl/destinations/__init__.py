"""The destinations of CONTRACT C8, one module each; :mod:`.registry` builds them."""
