/**
 * The README's example: define a workflow, run it, follow its progress
 * over Watch. The tests run `defineRunWatch`; as a script it talks to
 * $ORCHESTRATOR_GRPC (default 127.0.0.1:50051):
 *   node build/examples/run-and-watch.js
 * @module
 */
import { pathToFileURL } from "node:url";
import {
  createOrchestratorClient,
  ExecutionState,
  fromValue,
  type Execution,
  type OrchestratorClient,
} from "../src/index.js";

/** Defines workflow `name` (two echo tasks), runs it and prints its events. */
export async function defineRunWatch(client: OrchestratorClient, name: string): Promise<Execution> {
  await client.createWorkflow(`
name: ${name}
tasks:
  - {id: greet, type: echo, body: {greeting: "hello {{input.who}}"}}
  - {id: shout, type: echo, body: {said: "{{greet.greeting}}!"}, depends_on: [greet]}
`);
  const started = await client.run(name, { parameters: { who: "world" } });
  for await (const event of client.watch(started.id)) {
    switch (event.kind.case) {
      case "taskStarted":
        console.log(`#${String(event.seq)} ${event.kind.value.taskId} started`);
        break;
      case "taskEnded":
        console.log(`#${String(event.seq)} ${event.kind.value.result?.taskId ?? "?"} ended`);
        break;
      case "executionEnded":
        console.log(`#${String(event.seq)} ended: ${ExecutionState[event.kind.value.status]}`);
        break;
      default:
        break;
    }
  }
  return client.getExecution(started.id);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const client = createOrchestratorClient({
    baseUrl: `http://${process.env.ORCHESTRATOR_GRPC ?? "127.0.0.1:50051"}`,
  });
  try {
    const execution = await defineRunWatch(client, `hello-${Date.now().toString(16)}`);
    console.log(fromValue(execution.taskResults.shout?.output));
  } finally {
    client.close();
  }
}
