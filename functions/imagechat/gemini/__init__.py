"""The model gateway: the google-genai client, response parsing, the Files API cache.
Only this package talks to Gemini."""
