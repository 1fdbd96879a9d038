import { fieldValue } from './export.js';
import { placeholder, readAt } from './conversion.js';
import type { Mapper } from './component.js';
import { convertPrompt, jsonataPath, parserExpression } from './prompt.js';
import { headersOf } from './settings.js';

/** A prompt template: its variables read the connected components' text, or the literal field values. */
const prompt: Mapper = (c) => {
  const double = fieldValue(c.n, 'use_double_brackets') === true;
  const template = convertPrompt(c.str('template'), double, (variable) => {
    const source = c.fed(variable);
    if (source) return placeholder(source.text);
    const literal = fieldValue(c.n, variable);
    return typeof literal === 'string' ? literal : literal == null ? '' : JSON.stringify(literal);
  });
  c.add({ id: c.id, type: 'template', params: { template } }, 'template', readAt(c.id, [], []));
};

/** Langflow's Parser (and Stringify mode) as a JSONata transform. */
const parser: Mapper = (c) => {
  const source = c.fed('input_data');
  if (!source) return c.refuse('input_data is not connected');
  const mode = c.str('mode') || 'Parser';
  const expression =
    mode === 'Stringify'
      ? `$string(${jsonataPath(source.data)})`
      : parserExpression(c.str('pattern') || '{text}', c.str('sep') || '\n', source.data);
  c.add({ id: c.id, type: 'transform', params: { expression } }, 'transform', readAt(c.id, [], []));
};

/** Outside tool mode, URL fetches one page through an http node. */
const url: Mapper = (c) => {
  const urls = fieldValue(c.n, 'urls');
  const source = c.fed('urls');
  const list = Array.isArray(urls) ? urls.filter((u) => typeof u === 'string' && u) : [];
  if (!source && list.length !== 1)
    return c.refuse('outside tool mode, URL is converted for exactly one URL (or a connected one)');
  c.notes.push('fetches one page, no crawling (max_depth is ignored)');
  const timeout = fieldValue(c.n, 'timeout');
  c.add(
    {
      id: c.id,
      type: 'http',
      params: {
        url: source ? placeholder(source.text) : String(list[0]),
        headers: headersOf(fieldValue(c.n, 'headers')),
        responseType: 'text',
        ...(typeof timeout === 'number' ? { timeoutMs: timeout * 1000 } : {}),
      },
    },
    'http',
    readAt(c.id, ['body'], ['body']),
  );
};

/** Outside tool mode, Calculator is a transform of a literal arithmetic expression. */
const calculator: Mapper = (c) => {
  const expression = c.str('expression');
  if (c.fed('expression') || !/^[\d\s+\-*/().,%^]+$/.test(expression) || !expression.trim())
    return c.refuse('outside tool mode, Calculator is converted only for a literal arithmetic expression');
  c.add(
    { id: c.id, type: 'transform', params: { expression: `{"result": ${expression.replace(/\^/g, '**')}}` } },
    'transform',
    readAt(c.id, ['result'], []),
  );
};

/** Components that shape or fetch data: Langflow type → mapper. */
export const DATA_MAPPERS: Record<string, Mapper> = {
  Prompt: prompt,
  'Prompt Template': prompt,
  parser,
  ParserComponent: parser,
  URLComponent: url,
  CalculatorComponent: calculator,
  MemoryBase: (c) => c.refuse('Memory Base is supported as an agent tool (tool mode) only'),
};
