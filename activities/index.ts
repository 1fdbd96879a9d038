import type { ActivityNodeType } from '../flow/index.js';
import { EventWriter } from '../events/index.js';
import type { ActivityDeps } from './deps.js';
import { createEngineActivities } from './engine-activities.js';
import { EVENT_SETTLE_MS, createEventPublisher } from './event-publisher.js';
import { expressionSandbox } from './expression-sandbox.js';
import { createNetGuard } from './net-guard.js';
import { nodeMiddleware, type NodeActivity } from './node-middleware.js';
import { createAgentActivities } from './nodes/agent/index.js';
import { condition } from './nodes/condition.js';
import { echo } from './nodes/echo.js';
import { http } from './nodes/http.js';
import { llm } from './nodes/llm.js';
import { message } from './nodes/message.js';
import { output } from './nodes/output.js';
import { template } from './nodes/template.js';
import { transform } from './nodes/transform.js';
import { unsupported } from './nodes/unsupported.js';
import { createParamResolver } from './param-resolver.js';
import { createPureChain } from './pure-chain.js';

export { echo } from './nodes/echo.js';
export type { NodeContext } from './node-context.js';
export type { ActivityDeps } from './deps.js';

/** Builds the activities with their dependencies injected (the workflow imports only their type). */
export function createActivities(deps: ActivityDeps) {
  const env = deps.env ?? process.env;
  const writer = deps.events ?? new EventWriter(deps.sql);
  const netGuard = createNetGuard(deps.httpAllowHosts);
  const resolveParams = createParamResolver(deps.sql, env);
  expressionSandbox().warm();
  const node = nodeMiddleware({ ...deps, env, writer, netGuard, resolveParams });

  // One activity per node kind that runs in an activity (flow/kinds: runsIn 'activity'), named after it.
  const nodes = {
    echo: node('echo', echo),
    http: node('http', http),
    llm: node('llm', llm),
    template: node('template', template),
    transform: node('transform', transform),
    condition: node('condition', condition),
    output: node('output', output),
    message: node('message', message(deps.sql)),
    unsupported: node('unsupported', unsupported),
  } satisfies Record<ActivityNodeType, NodeActivity>;

  return {
    ...nodes,
    pureChain: createPureChain({
      transform: nodes.transform,
      condition: nodes.condition,
      template: nodes.template,
      output: nodes.output,
    }),
    ...createAgentActivities({
      sql: deps.sql,
      logger: deps.logger,
      netGuard,
      env,
      // The agent's progress and tokens: written in order, waited for briefly, never failing a call.
      publisher: (runId, quiet) => {
        const events = createEventPublisher(writer, runId, quiet, deps.logger);
        return {
          push: (draft) => events.push(draft),
          drain: async () => {
            await events.settle(EVENT_SETTLE_MS);
          },
        };
      },
    }),
    ...createEngineActivities({ sql: deps.sql, writer, blobThresholdBytes: deps.blobThresholdBytes, resolveParams }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
