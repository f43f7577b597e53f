"""What a request is built from: messages and images, tools, structured-output schemas,
model ids and call options, and `ChatRequest` itself. Pure helpers, no I/O."""
