/** Arithmetic only: numbers, + - * / % **, unary minus and parentheses (no names, no calls). */
export function evaluateArithmetic(expression: string): number {
  const tokens = expression.match(/\d+(?:\.\d+)?(?:e[+-]?\d+)?|\*\*|[-+*/%()^]|\S/gi) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const take = () => tokens[i++];
  const primary = (): number => {
    const t = take();
    if (t === undefined) throw new Error('the expression ends too early');
    if (t === '(') {
      const v = sum();
      if (take() !== ')') throw new Error('a "(" is not closed');
      return v;
    }
    if (t === '-') return -power();
    if (t === '+') return power();
    if (/^\d/.test(t)) return Number(t);
    throw new Error(`unexpected "${t}" (only numbers, + - * / % ** and parentheses)`);
  };
  const power = (): number => {
    const base = primary();
    if (peek() === '**' || peek() === '^') {
      take();
      return base ** power();
    }
    return base;
  };
  const product = (): number => {
    let v = power();
    while (peek() === '*' || peek() === '/' || peek() === '%') {
      const op = take();
      const r = power();
      v = op === '*' ? v * r : op === '/' ? v / r : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (peek() === '+' || peek() === '-') v = take() === '+' ? v + product() : v - product();
    return v;
  };
  const result = sum();
  if (i < tokens.length) throw new Error(`unexpected "${tokens[i]}"`);
  if (!Number.isFinite(result)) throw new Error('the result is not a finite number');
  return result;
}
