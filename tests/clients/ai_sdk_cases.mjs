// The Vercel AI SDK's providers against hfgate's gateway, every case in one node process (a
// process per case costs a second each). Reads {gateway, key, model, providers, features} as
// JSON on stdin, runs each provider x feature, and prints one JSON line per case:
// {provider, feature, result} or {provider, feature, error}. Node resolves the packages from
// the directory scripts/install-clients.sh installed them into (NODE_PATH is not used by ESM,
// so the test runs this file from a copy there).
import { createAnthropic } from "@ai-sdk/anthropic";
import { createHuggingFace } from "@ai-sdk/huggingface";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, Output, stepCountIs, streamText, tool } from "ai";
import { z } from "zod";

const input = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
}));

const PROVIDERS = {
  "openai-responses": (key) => createOpenAI({ baseURL: `${input.gateway}/v1`, apiKey: key }).responses,
  "openai-chat": (key) => createOpenAI({ baseURL: `${input.gateway}/v1`, apiKey: key }).chat,
  anthropic: (key) => createAnthropic({ baseURL: `${input.gateway}/v1`, apiKey: key }),
  "openai-compatible": (key) =>
    createOpenAICompatible({
      name: "hfgate",
      baseURL: `${input.gateway}/v1`,
      apiKey: key,
      includeUsage: true,
    }).chatModel,
  huggingface: (key) => createHuggingFace({ baseURL: `${input.gateway}/v1`, apiKey: key }).responses,
};

const weather = {
  get_weather: tool({
    description: "The weather in a city.",
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => `sunny and 21 C in ${city}`,
  }),
};

function usage(u) {
  return u ? { input: u.inputTokens ?? null, output: u.outputTokens ?? null } : null;
}

function toolSteps(steps) {
  return steps.map((s) => ({
    calls: s.toolCalls.map((c) => ({ name: c.toolName, input: c.input })),
    results: s.toolResults.map((r) => r.output),
    text: s.text,
  }));
}

const FEATURES = {
  async text(model) {
    const r = await generateText({ model, prompt: "What is the capital of France?", maxRetries: 0 });
    return { text: r.text, usage: usage(r.usage), finish: r.finishReason };
  },
  async stream(model) {
    const r = streamText({ model, prompt: "What is the capital of France?", maxRetries: 0 });
    const pieces = [];
    for await (const part of r.fullStream) {
      if (part.type === "text-delta") pieces.push(part.text);
      if (part.type === "error") throw part.error;
    }
    return { pieces, text: pieces.join(""), usage: usage(await r.usage), finish: await r.finishReason };
  },
  async tools(model, provider) {
    const r = await generateText({
      model,
      prompt: `What is the weather in Paris? (${provider})`,
      tools: weather,
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    return { text: r.text, steps: toolSteps(r.steps), finish: r.finishReason };
  },
  async "stream-tools"(model, provider) {
    const r = streamText({
      model,
      prompt: `What is the weather in Paris? (${provider})`,
      tools: weather,
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    for await (const part of r.fullStream) {
      if (part.type === "error") throw part.error;
    }
    return { text: await r.text, steps: toolSteps(await r.steps), finish: await r.finishReason };
  },
  async structured(model) {
    const r = await generateText({
      model,
      prompt: "Answer in JSON: where is the Eiffel tower?",
      output: Output.object({ schema: z.object({ city: z.string(), country: z.string() }) }),
      maxRetries: 0,
    });
    return { output: r.output };
  },
  async unauthorized(_model, provider) {
    const wrong = PROVIDERS[provider]("wrong-key")(input.model);
    await generateText({ model: wrong, prompt: "Hi", maxRetries: 0 });
    return { text: "no error" };
  },
};

for (const provider of input.providers) {
  const model = PROVIDERS[provider](input.key)(input.model);
  for (const feature of input.features) {
    const line = { provider, feature };
    try {
      line.result = await FEATURES[feature](model, provider);
    } catch (e) {
      line.error = {
        name: e?.name,
        message: String(e?.message ?? e).slice(0, 2000),
        statusCode: e?.statusCode ?? e?.cause?.statusCode ?? null,
      };
    }
    process.stdout.write(JSON.stringify(line) + "\n");
  }
}
