import { z } from 'zod';
import { NODE_TYPE_PARAMS, flowDefinitionSchema } from '../flow/index.js';
import {
  approvalSchema,
  langflowRunSchema,
  listRunsSchema,
  rerunSchema,
  runRequestSchema,
  scheduleNoteSchema,
  scheduleRequestSchema,
  waitSchema,
} from './schemas.js';

const json = (schema: z.ZodTypeAny) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
const error = { $ref: '#/components/schemas/Error' };
const body = (ref: string) => ({
  required: true,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});
const answer = (description: string, schema: object = { type: 'object' }) => ({
  description,
  content: { 'application/json': { schema } },
});
const errors = {
  '400': answer('invalid request: every problem with its JSON path', error),
  '401': answer('missing or unknown API key', error),
  '404': answer('not found', error),
  '413': answer('body above BODY_LIMIT, or a flow above its documented limits (nodes, edges, bytes)', error),
  '415': answer('a body that is not application/json', error),
  '429': answer('rate limited (per client address), or too many event streams for this key', error),
};
const runParam = [{ name: 'runId', in: 'path', required: true, schema: { type: 'string' } }];
const flowParam = [
  { name: 'flow', in: 'path', required: true, schema: { type: 'string' }, description: 'flow name or id' },
];

const scheduleParam = [{ name: 'scheduleId', in: 'path', required: true, schema: { type: 'string' } }];

let cached: object | undefined;

/** The OpenAPI 3.1 document of the API, built from the same zod schemas that validate requests. */
export function openApiDocument(): object {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'Tempoflow API', version: '1.0.0', description: 'Durable flow runs on Temporal.' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      },
      schemas: {
        FlowDefinition: json(flowDefinitionSchema),
        RunRequest: json(runRequestSchema),
        Approval: json(approvalSchema),
        Rerun: json(rerunSchema),
        LangflowRun: json(langflowRunSchema),
        ScheduleRequest: json(scheduleRequestSchema),
        ScheduleNote: json(scheduleNoteSchema),
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            },
          },
        },
        ...Object.fromEntries(
          Object.entries(NODE_TYPE_PARAMS).map(([type, schema]) => [`Params_${type}`, json(schema)]),
        ),
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths: {
      '/api/v1/flows': {
        get: { summary: 'List flows', responses: { '200': answer('flows') } },
        post: {
          summary: 'Create a flow',
          requestBody: body('FlowDefinition'),
          responses: { '201': answer('created'), '409': answer('name exists', error), ...errors },
        },
      },
      '/api/v1/flows/{flow}': {
        parameters: flowParam,
        get: { summary: 'Latest version (or ?version=)', responses: { '200': answer('flow'), ...errors } },
        put: {
          summary: 'Store a new immutable version',
          requestBody: body('FlowDefinition'),
          responses: { '200': answer('new version'), ...errors },
        },
        delete: {
          summary: 'Delete a flow (its versions stay for pinned runs)',
          responses: { '204': { description: 'deleted' }, ...errors },
        },
      },
      '/api/v1/flows/{flow}/runs': {
        parameters: [...flowParam, { name: 'wait', in: 'query', schema: json(waitSchema) }],
        post: {
          summary: 'Start a run',
          requestBody: body('RunRequest'),
          responses: { '200': answer('finished run (with ?wait)'), '202': answer('started'), ...errors },
        },
      },
      '/api/v1/runs': {
        get: {
          summary: 'List runs from Temporal visibility',
          parameters: Object.entries((json(listRunsSchema) as { properties: Record<string, object> }).properties).map(
            ([name, schema]) => ({ name, in: 'query', schema }),
          ),
          responses: { '200': answer('runs'), ...errors },
        },
      },
      '/api/v1/runs/{runId}': {
        parameters: runParam,
        get: { summary: 'Run state', responses: { '200': answer('run'), ...errors } },
      },
      '/api/v1/runs/{runId}/events': {
        parameters: runParam,
        get: {
          summary: 'Server-Sent Events; resumable with Last-Event-ID',
          responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': {} } }, ...errors },
        },
      },
      '/api/v1/runs/{runId}/cancel': {
        parameters: runParam,
        post: {
          summary: 'Cancel',
          responses: { '202': answer('cancelling'), '409': answer('not running', error), ...errors },
        },
      },
      '/api/v1/runs/{runId}/approvals/{nodeId}': {
        parameters: [...runParam, { name: 'nodeId', in: 'path', required: true, schema: { type: 'string' } }],
        post: {
          summary: 'Decide an approval',
          requestBody: body('Approval'),
          responses: { '200': answer('decision'), '409': answer('node not waiting', error), ...errors },
        },
      },
      '/api/v1/runs/{runId}/history': {
        parameters: runParam,
        get: {
          summary: 'Temporal event history (temporal workflow show --output json)',
          responses: { '200': answer('history'), ...errors },
        },
      },
      '/api/v1/runs/{runId}/replay': {
        parameters: runParam,
        post: {
          summary: 'Replay the history against the deployed workflow code',
          responses: { '200': answer('{deterministic, error?}'), ...errors },
        },
      },
      '/api/v1/runs/{runId}/rerun': {
        parameters: runParam,
        post: {
          summary: 'Re-run from a node, reusing the outputs of everything not downstream of it',
          requestBody: body('Rerun'),
          responses: { '202': answer('started'), '409': answer('still running', error), ...errors },
        },
      },
      '/api/v1/webhooks/{flow}': {
        parameters: flowParam,
        post: { summary: 'Start a run with the body as inputs', responses: { '202': answer('started'), ...errors } },
      },
      '/api/v1/flows/import/langflow': {
        post: {
          summary: 'Import a Langflow export (?allowUnsupported=true, ?webSearchUrl=, ?name=)',
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
          responses: {
            '201': answer('stored, with the component report'),
            '422': answer('unsupported components, each by Langflow id and type', error),
            ...errors,
          },
        },
      },
      '/api/v1/run/{flow}': {
        parameters: flowParam,
        post: {
          summary: "Langflow's run API (RunResponse; ?stream=true for Langflow's stream framing)",
          requestBody: body('LangflowRun'),
          responses: {
            '200': answer("Langflow's RunResponse"),
            '422': answer('the run failed, or the flow has unsupported components', error),
            ...errors,
          },
        },
      },
      '/api/v1/webhook/{flow}': {
        parameters: flowParam,
        post: { summary: "Langflow's webhook: starts a run, 202", responses: { '202': answer('started'), ...errors } },
      },
      '/api/v1/flows/{flow}/schedules': {
        parameters: flowParam,
        get: { summary: "The flow's schedules", responses: { '200': answer('schedules'), ...errors } },
        post: {
          summary: 'Run the flow on a cron or an interval (a Temporal Schedule)',
          requestBody: body('ScheduleRequest'),
          responses: { '201': answer('schedule'), '409': answer('id exists', error), ...errors },
        },
      },
      '/api/v1/schedules/{scheduleId}': {
        parameters: scheduleParam,
        get: {
          summary: 'A schedule: spec, inputs, next times, recent runs',
          responses: { '200': answer('schedule'), ...errors },
        },
        delete: { summary: 'Delete a schedule', responses: { '204': { description: 'deleted' }, ...errors } },
      },
      ...Object.fromEntries(
        (['pause', 'resume'] as const).map((verb) => [
          `/api/v1/schedules/{scheduleId}/${verb}`,
          {
            parameters: scheduleParam,
            post: {
              summary: verb === 'pause' ? 'Stop starting runs' : 'Start runs again',
              requestBody: { ...body('ScheduleNote'), required: false },
              responses: { '200': answer('schedule'), ...errors },
            },
          },
        ]),
      ),
      '/api/v1/schedules/{scheduleId}/trigger': {
        parameters: scheduleParam,
        post: { summary: 'Start one run now', responses: { '202': answer('triggered'), ...errors } },
      },
    },
  };
  return cached;
}
