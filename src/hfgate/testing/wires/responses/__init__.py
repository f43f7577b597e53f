"""The OpenAI Responses API as OpenAI and the router serve it.
`request` checks and reads a request; `reply` renders a `Reply`."""
