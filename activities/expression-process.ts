/**
 * The child process that evaluates JSONata for the expression sandbox (expression-sandbox.ts).
 * It has its own heap limit and is killed on a hard timeout, so no expression can block or crash
 * the worker. One request at a time; each answer carries the request's id.
 */
import jsonata from 'jsonata';
import { Re2RegExp } from '../flow/expression-check.js';

export interface EvaluateRequest {
  id: number;
  expression: string;
  data: unknown;
  timeout: number;
  stack: number;
  maxResultChars: number;
}

export type EvaluateAnswer =
  { id: number; ok: true; json: string } | { id: number; ok: false; code?: string; message: string };

async function answer(request: EvaluateRequest): Promise<EvaluateAnswer> {
  try {
    const compiled = jsonata(request.expression, {
      timeout: request.timeout,
      stack: request.stack,
      RegexEngine: Re2RegExp as unknown as RegExpConstructor,
    } as jsonata.JsonataOptions);
    const result = await compiled.evaluate(request.data);
    const json = result === undefined ? 'null' : (JSON.stringify(result) ?? 'null');
    if (json.length > request.maxResultChars)
      return {
        id: request.id,
        ok: false,
        code: 'ResultTooLarge',
        message: `result has ${json.length} characters as JSON, more than ${request.maxResultChars}`,
      };
    return { id: request.id, ok: true, json };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { id: request.id, ok: false, code: e.code, message: e.message ?? String(err) };
  }
}

if (process.send) {
  process.on('message', (request: EvaluateRequest) => {
    void answer(request).then((reply) => process.send!(reply));
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true });
}
