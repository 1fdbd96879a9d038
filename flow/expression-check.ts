import jsonata from 'jsonata';
import { RE2JS } from 're2js';

/**
 * A RegExp look-alike on RE2 (re2js): matching time is linear in the input, so no regex in an
 * expression can backtrack for minutes. JSONata calls only `lastIndex` and `exec`; regex literals
 * reach it through the `RegexEngine` option. Backreferences and lookaround do not exist in RE2.
 */
export class Re2RegExp {
  lastIndex = 0;
  readonly source: string;
  readonly flags: string;
  readonly global: boolean;
  private readonly re: RE2JS;

  constructor(pattern: RegExp | string, flags?: string) {
    this.source = typeof pattern === 'string' ? pattern : pattern.source;
    this.flags = typeof pattern === 'string' ? (flags ?? '') : pattern.flags;
    this.global = this.flags.includes('g') || this.flags.includes('y');
    let bits = 0;
    if (this.flags.includes('i')) bits |= RE2JS.CASE_INSENSITIVE;
    if (this.flags.includes('m')) bits |= RE2JS.MULTILINE;
    if (this.flags.includes('s')) bits |= RE2JS.DOTALL;
    try {
      this.re = RE2JS.compile(RE2JS.translateRegExp(this.source), bits);
    } catch (err) {
      throw new SyntaxError(
        `regex /${this.source}/ is not supported by the linear-time regex engine (no backreferences or lookaround): ${(err as Error).message}`,
      );
    }
  }

  exec(input: string): RegExpExecArray | null {
    const from = this.global ? this.lastIndex : 0;
    const matcher = this.re.matcher(input);
    if (from > input.length || !matcher.find(from)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: (string | undefined)[] = [matcher.group(0) ?? ''];
    for (let i = 1; i <= matcher.groupCount(); i++) groups.push(matcher.group(i) ?? undefined);
    if (this.global) this.lastIndex = matcher.end();
    return Object.assign(groups, { index: matcher.start(), input }) as RegExpExecArray;
  }

  test(input: string): boolean {
    return this.exec(input) !== null;
  }
}

/** The regex literals of a parsed expression (the AST holds them as RegExp values). */
function regexLiterals(node: unknown, seen = new Set<unknown>(), found: RegExp[] = []): RegExp[] {
  if (!node || typeof node !== 'object' || seen.has(node)) return found;
  seen.add(node);
  if (node instanceof RegExp) found.push(node);
  else for (const value of Object.values(node)) regexLiterals(value, seen, found);
  return found;
}

/**
 * The syntax error of an expression, or undefined when it parses and every regex literal in it
 * compiles on the linear-time engine. Loads only jsonata and re2js (no worker clients), so the API
 * can check expressions at save time.
 */
export function checkJsonata(expression: string): string | undefined {
  let ast: unknown;
  try {
    ast = jsonata(expression).ast();
  } catch (err) {
    const e = err as { message?: string; position?: number };
    return `${e.message ?? String(err)}${e.position !== undefined ? ` (at character ${e.position})` : ''}`;
  }
  for (const re of regexLiterals(ast)) {
    try {
      new Re2RegExp(re);
    } catch (err) {
      return (err as Error).message;
    }
  }
  return undefined;
}
