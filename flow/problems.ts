/** What is wrong with a flow (or a request) and where: the shape every validation answers in. */
export interface Problem {
  /** JSON path of the offending value, e.g. `$.nodes[2].params.url`. */
  path: string;
  message: string;
}

/** `$.nodes[2].params["x-y"]` from its parts. */
export function jsonPath(parts: readonly PropertyKey[]): string {
  return (
    '$' +
    parts
      .map((p) =>
        typeof p === 'number'
          ? `[${p}]`
          : /^[A-Za-z_$][\w$]*$/.test(String(p))
            ? `.${String(p)}`
            : `[${JSON.stringify(String(p))}]`,
      )
      .join('')
  );
}
