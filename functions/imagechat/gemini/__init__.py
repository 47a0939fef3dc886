"""The model gateway: the google-genai client, the Contents of a request (typed turns →
parts), response parsing, the Files API cache. Only this package talks to Gemini or imports
google.genai."""
