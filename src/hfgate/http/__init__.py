"""The one HTTP layer: keys and their redaction, endpoints, the transport (headers,
timeouts, retries, SSE) and the typed errors for HTTP statuses and broken connections."""
