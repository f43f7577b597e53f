"""Anthropic Messages as Anthropic (and the router's `/v1/messages`) serve it.
`request` checks and reads a request; `reply` renders a `Reply`."""
