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
/** One operation: its answers plus every error answer, and the named request body schema when it takes one. */
const op = (summary: string, responses: Record<string, object>, requestBody?: string) => ({
  summary,
  ...(requestBody ? { requestBody: body(requestBody) } : {}),
  responses: { ...responses, ...errors },
});
const conflict = (description: string) => ({ '409': answer(description, error) });
const runParam = [{ name: 'runId', in: 'path', required: true, schema: { type: 'string' } }];
const onRun = (operations: object) => ({ parameters: runParam, ...operations });
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
        post: op('Create a flow', { '201': answer('created'), '409': answer('name exists', error) }, 'FlowDefinition'),
      },
      '/api/v1/flows/{flow}': {
        parameters: flowParam,
        get: op('Latest version (or ?version=)', { '200': answer('flow') }),
        put: op('Store a new immutable version', { '200': answer('new version') }, 'FlowDefinition'),
        delete: op('Delete a flow (its versions stay for pinned runs)', { '204': { description: 'deleted' } }),
      },
      '/api/v1/flows/{flow}/runs': {
        parameters: [...flowParam, { name: 'wait', in: 'query', schema: json(waitSchema) }],
        post: op('Start a run', { '200': answer('finished run (with ?wait)'), '202': answer('started') }, 'RunRequest'),
      },
      '/api/v1/runs': {
        get: {
          ...op('List runs from Temporal visibility', { '200': answer('runs') }),
          parameters: Object.entries((json(listRunsSchema) as { properties: Record<string, object> }).properties).map(
            ([name, schema]) => ({ name, in: 'query', schema }),
          ),
        },
      },
      '/api/v1/runs/{runId}': onRun({ get: op('Run state', { '200': answer('run') }) }),
      '/api/v1/runs/{runId}/events': onRun({
        get: op('Server-Sent Events; resumable with Last-Event-ID', {
          '200': { description: 'text/event-stream', content: { 'text/event-stream': {} } },
        }),
      }),
      '/api/v1/runs/{runId}/cancel': onRun({
        post: op('Cancel', { '202': answer('cancelling'), ...conflict('not running') }),
      }),
      '/api/v1/runs/{runId}/approvals/{nodeId}': {
        parameters: [...runParam, { name: 'nodeId', in: 'path', required: true, schema: { type: 'string' } }],
        post: op('Decide an approval', { '200': answer('decision'), ...conflict('node not waiting') }, 'Approval'),
      },
      '/api/v1/runs/{runId}/history': onRun({
        get: op('Temporal event history (temporal workflow show --output json)', { '200': answer('history') }),
      }),
      '/api/v1/runs/{runId}/replay': onRun({
        post: op('Replay the history against the deployed workflow code', { '200': answer('{deterministic, error?}') }),
      }),
      '/api/v1/runs/{runId}/rerun': onRun({
        post: op(
          'Re-run from a node, reusing the outputs of everything not downstream of it',
          { '202': answer('started'), ...conflict('still running') },
          'Rerun',
        ),
      }),
      '/api/v1/webhooks/{flow}': {
        parameters: flowParam,
        post: op('Start a run with the body as inputs', { '202': answer('started') }),
      },
      '/api/v1/flows/import/langflow': {
        post: {
          ...op('Import a Langflow export (?allowUnsupported=true, ?webSearchUrl=, ?name=)', {
            '201': answer('stored, with the component report'),
            '422': answer('unsupported components, each by Langflow id and type', error),
          }),
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
        },
      },
      '/api/v1/run/{flow}': {
        parameters: flowParam,
        post: op(
          "Langflow's run API (RunResponse; ?stream=true for Langflow's stream framing)",
          {
            '200': answer("Langflow's RunResponse"),
            '422': answer('the run failed, or the flow has unsupported components', error),
          },
          'LangflowRun',
        ),
      },
      '/api/v1/webhook/{flow}': {
        parameters: flowParam,
        post: op("Langflow's webhook: starts a run, 202", { '202': answer('started') }),
      },
      '/api/v1/flows/{flow}/schedules': {
        parameters: flowParam,
        get: op("The flow's schedules", { '200': answer('schedules') }),
        post: op(
          'Run the flow on a cron or an interval (a Temporal Schedule)',
          { '201': answer('schedule'), '409': answer('id exists', error) },
          'ScheduleRequest',
        ),
      },
      '/api/v1/schedules/{scheduleId}': {
        parameters: scheduleParam,
        get: op('A schedule: spec, inputs, next times, recent runs', { '200': answer('schedule') }),
        delete: op('Delete a schedule', { '204': { description: 'deleted' } }),
      },
      ...Object.fromEntries(
        (['pause', 'resume'] as const).map((verb) => [
          `/api/v1/schedules/{scheduleId}/${verb}`,
          {
            parameters: scheduleParam,
            post: {
              ...op(verb === 'pause' ? 'Stop starting runs' : 'Start runs again', { '200': answer('schedule') }),
              requestBody: { ...body('ScheduleNote'), required: false },
            },
          },
        ]),
      ),
      '/api/v1/schedules/{scheduleId}/trigger': {
        parameters: scheduleParam,
        post: op('Start one run now', { '202': answer('triggered') }),
      },
    },
  };
  return cached;
}
