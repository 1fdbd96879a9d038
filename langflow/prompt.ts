import type { Ref } from './conversion.js';

/** The pieces of a single-bracket template: literal text (`{{`/`}}` as one brace) and `{variable}` names. */
function promptParts(template: string, emit: (piece: string, isVar: boolean) => void): void {
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '{' && template[i + 1] === '{') {
      emit('{', false);
      i++;
    } else if (c === '}' && template[i + 1] === '}') {
      emit('}', false);
      i++;
    } else if (c === '{') {
      const end = template.indexOf('}', i);
      const name = end > i ? template.slice(i + 1, end).trim() : '';
      if (/^[A-Za-z_][\w-]*$/.test(name)) {
        emit(name, true);
        i = end;
      } else emit(c, false);
    } else emit(c, false);
  }
}

/**
 * A Langflow prompt template as a native template: `{var}` (or `{{var}}` in double-bracket mode)
 * becomes whatever `value(var)` gives; in single-bracket mode `{{`/`}}` are literal braces.
 */
export function convertPrompt(template: string, double: boolean, value: (variable: string) => string): string {
  if (double) return template.replace(/\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g, (_, v: string) => value(v));
  let out = '';
  promptParts(template, (piece, isVar) => (out += isVar ? value(piece) : piece));
  return out;
}

/** Variables of a Langflow prompt template, in order of first use. */
export function promptVariables(template: string, double: boolean): string[] {
  const found: string[] = [];
  convertPrompt(template, double, (v) => {
    if (!found.includes(v)) found.push(v);
    return '';
  });
  return found;
}

/** A JSONata path to a ref: `` `node`.field.`odd key` ``. */
export function jsonataPath(ref: Ref): string {
  return ['`' + ref.root + '`', ...ref.path.map((p) => (/^[A-Za-z_]\w*$/.test(p) ? p : '`' + p + '`'))].join('.');
}

/** Langflow's Parser: each row (a Data's fields, a DataFrame's rows, a Message's text) through `{field}` patterns. */
export function parserExpression(pattern: string, sep: string, source: Ref): string {
  const parts: string[] = [];
  let literal = '';
  promptParts(pattern, (piece, isVar) => {
    if (isVar) {
      if (literal) parts.push(JSON.stringify(literal));
      literal = '';
      parts.push(`$f($r, ${JSON.stringify(piece)})`);
    } else literal += piece;
  });
  if (literal) parts.push(JSON.stringify(literal));
  const row = parts.length ? parts.join(' & ') : '""';
  return [
    '(',
    `  $v := ${jsonataPath(source)};`,
    '  $rows := $type($v) = "array" ? $v : [$v];',
    '  $f := function($r, $k) { $type($r) = "object" ? ($exists($lookup($r, $k)) ? $string($lookup($r, $k)) : ($type($r.data) = "object" ? $string($lookup($r.data, $k)) : "")) : ($k = "text" ? $string($r) : "") };',
    `  $join($map($rows, function($r) { ${row} }), ${JSON.stringify(sep)})`,
    ')',
  ].join('\n');
}
