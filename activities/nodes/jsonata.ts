import jsonata from 'jsonata';
import { ApplicationFailure } from '@temporalio/activity';

/** Limits that keep a hostile expression from hanging or crashing the worker. */
export const JSONATA_LIMITS = { timeout: 2000, stack: 300 } as const;

/** The syntax error of an expression, or undefined when it parses. */
export function checkJsonata(expression: string): string | undefined {
  try {
    jsonata(expression);
    return undefined;
  } catch (err) {
    const e = err as { message?: string; position?: number };
    return `${e.message ?? String(err)}${e.position !== undefined ? ` (at character ${e.position})` : ''}`;
  }
}

export async function evaluateJsonata(expression: string, data: unknown): Promise<unknown> {
  let compiled;
  try {
    compiled = jsonata(expression, { ...JSONATA_LIMITS });
  } catch (err) {
    throw ApplicationFailure.nonRetryable(`invalid JSONata: ${(err as Error).message}`, 'InvalidExpression');
  }
  try {
    const result = await compiled.evaluate(data);
    return result === undefined ? null : JSON.parse(JSON.stringify(result));
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const why =
      e.code === 'D1012'
        ? `ran longer than ${JSONATA_LIMITS.timeout} ms`
        : e.code === 'D1011'
          ? `nested deeper than ${JSONATA_LIMITS.stack}`
          : e.message;
    throw ApplicationFailure.nonRetryable(`JSONata ${e.code ?? 'error'}: ${why}`, 'ExpressionFailed');
  }
}
