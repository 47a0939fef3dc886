"""Image Chat: the conversational image-editing backend (see docs/api.md)."""
