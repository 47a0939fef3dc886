"""Transport adapters: REST (the web app) and callables (mobile). They parse, authenticate,
call the service and map errors; no business decisions live here."""
