/**
 * A string literal of Temporal's visibility query language (SQL-like: single quotes, with `\` and
 * `'` escaped by a backslash). Every value a filter puts in a query goes through this, so a value
 * can never end its literal and add a clause of its own.
 */
export function visibilityLiteral(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

const EXECUTION_STATUS = { running: 'Running', completed: 'Completed', failed: 'Failed', cancelled: 'Canceled' };

export interface RunsFilter {
  workflowType: string;
  /** A stored flow's id (matches every version and rename). */
  flowId?: string;
  /** A flow name, for runs of a flow no longer stored. */
  flowName?: string;
  status?: keyof typeof EXECUTION_STATUS;
}

/** The visibility query listing a filter's runs: one `AND` clause per field set, every value a quoted literal. */
export function runsVisibilityQuery(filter: RunsFilter): string {
  const clauses = [`WorkflowType = ${visibilityLiteral(filter.workflowType)}`];
  if (filter.flowId !== undefined) clauses.push(`FlowId = ${visibilityLiteral(filter.flowId)}`);
  else if (filter.flowName !== undefined) clauses.push(`FlowName = ${visibilityLiteral(filter.flowName)}`);
  if (filter.status) clauses.push(`ExecutionStatus = ${visibilityLiteral(EXECUTION_STATUS[filter.status])}`);
  return clauses.join(' AND ');
}
