import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { convertLangflow, exportProblems, type LangflowExport } from '../../langflow/index.js';
import type { Logger, Sql } from '../../infra/index.js';
import type { EventHub } from '../../events/index.js';
import { keyNameOf } from '../auth.js';
import { checkDefinition, createFlow, getFlow, updateFlow } from '../flow-store.js';
import { HttpError } from '../http-error.js';
import type { RunService } from '../run-service.js';
import { parseBody } from '../validation.js';
import { langflowRunSchema } from '../schemas.js';
import { prepareRun, saveLangflowSource } from './langflow/source.js';
import { failureBody, runResponse, selection, statusFor, type LangflowRun } from './langflow/response.js';
import { streamRun } from './langflow/stream.js';
import type { StreamGate } from '../sse.js';

const importQuery = z.object({
  allowUnsupported: z.enum(['true', 'false']).optional(),
  webSearchUrl: z.string().url().optional(),
  name: z.string().optional(),
});

/** Longest a non-streaming /run waits for the run to finish. */
const RUN_WAIT_SECONDS = 300;

/**
 * Langflow compatibility: import a Langflow export, and Langflow's `/run` and `/webhook` endpoints
 * (with `x-api-key`, tweaks and `?stream=true`) over ordinary Tempoflow runs.
 */
export function langflowRouter(
  sql: Sql,
  runs: RunService,
  hub: EventHub,
  open: Set<Response>,
  logger: Logger,
  gate: StreamGate,
  keepAliveMs?: number,
): Router {
  const router = Router();

  /** A stream slot for this caller (the same caps as the run event streams), or 429/503 with Retry-After. */
  const admit = (req: Request, res: Response): (() => void) => {
    try {
      return gate.admit(keyNameOf(res) ?? `address:${req.socket.remoteAddress ?? ''}`);
    } catch (err) {
      res.set('retry-after', '5');
      throw err;
    }
  };

  router.post('/flows/import/langflow', async (req, res) => {
    const query = parseBody(importQuery, req.query, 'query');
    const exp = parseExport(req.body);
    const options = { webSearchUrl: query.webSearchUrl };
    const converted = convertLangflow(exp, { ...options, ...(query.name ? { name: query.name } : {}) });
    if (converted.unsupported.length && query.allowUnsupported !== 'true') {
      const details = converted.unsupported.map((u) => ({
        path: `$.data.nodes[${exp.data.nodes.findIndex((n) => n.id === u.id)}]`,
        message: u.reason,
        ...u,
      }));
      throw new HttpError(
        422,
        'unsupported_components',
        `${details.length} component${details.length === 1 ? ' is' : 's are'} not supported: ${details
          .map((d) => `${d.id} (${d.type}): ${d.reason}`)
          .join('; ')}. Import with ?allowUnsupported=true to store the flow with them marked.`,
        details,
      );
    }
    const definition = await checkDefinition(sql, converted.definition);
    const existing = await getFlow(sql, definition.name);
    const stored = existing ? await updateFlow(sql, existing.id, definition) : await createFlow(sql, definition);
    await saveLangflowSource(sql, stored, { export: exp, options });
    res.status(201).json({
      id: stored.id,
      name: stored.name,
      version: stored.version,
      components: converted.components,
      unsupported: converted.unsupported,
      ids: converted.ids,
    });
  });

  router.post('/run/:flow', async (req, res) => {
    const body = parseBody(langflowRunSchema, req.body ?? {});
    const { flow, source, converted, tweaks } = await prepareRun(sql, req.params.flow, body.tweaks);
    const sessionId = body.session_id || flow.id;
    // A stream takes its slot before the run starts: a refused stream starts nothing.
    const release = req.query.stream === 'true' ? admit(req, res) : undefined;
    const started = await runs
      .start(
        flow.id,
        {
          version: flow.version,
          inputs: {
            input_value: body.input_value ?? null,
            input_type: body.input_type ?? 'chat',
            session_id: sessionId,
            ...(source ? {} : { input: body.input_value ?? null }),
          },
          ...(tweaks ? { tweaks } : {}),
        },
        'api',
      )
      .catch((err: unknown) => {
        release?.();
        throw err;
      });
    res.setHeader('x-tempoflow-run-id', started.runId);
    const run: LangflowRun = {
      runId: started.runId,
      flow,
      converted,
      select: selection(flow.definition, converted, body),
      sessionId,
      body,
    };
    if (release) return streamRun(req, res, { runs, hub, open, logger, keepAliveMs, onClose: release }, run);
    await runs.waitFor(started.runId, RUN_WAIT_SECONDS);
    const view = await runs.get(started.runId);
    if (view.status !== 'completed') return void res.status(statusFor(view)).json(failureBody(view));
    res.json(runResponse(view, run));
  });

  router.post('/webhook/:flow', async (req, res) => {
    const { flow } = await prepareRun(sql, req.params.flow, undefined);
    const data: unknown = req.body ?? null;
    const started = await runs.start(
      flow.id,
      {
        version: flow.version,
        inputs: {
          data,
          input_value: typeof data === 'string' ? data : JSON.stringify(data),
          session_id: flow.id,
        },
        ...(req.header('idempotency-key') ? { idempotencyKey: req.header('idempotency-key')! } : {}),
      },
      'webhook',
    );
    res.status(202).json({ ...started, message: 'Task started in the background', status: 'in progress' });
  });

  return router;
}

/** The body as a Langflow export, or a 400 naming each shape problem by its JSON path. */
function parseExport(body: unknown): LangflowExport {
  const problems = exportProblems(body);
  if (problems.length)
    throw new HttpError(
      400,
      'invalid_request',
      `not a Langflow export: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      problems,
    );
  return body as LangflowExport;
}
