"""OpenAI chat completions as the Hugging Face router serves them.
`request` checks and reads a request; `reply` renders a `Reply`."""
