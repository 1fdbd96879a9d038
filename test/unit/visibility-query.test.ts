import { describe, expect, it } from 'vitest';
import { runsVisibilityQuery, visibilityLiteral } from '../../api/visibility-query.js';

describe('visibility query', () => {
  it('quotes a flow name holding a quote so it cannot end the literal', () => {
    expect(runsVisibilityQuery({ workflowType: 'runFlow', flowName: "o'brien' OR WorkflowType = 'x" })).toBe(
      "WorkflowType = 'runFlow' AND FlowName = 'o\\'brien\\' OR WorkflowType = \\'x'",
    );
  });

  it('escapes a backslash before it can escape the closing quote', () => {
    expect(visibilityLiteral('a\\')).toBe("'a\\\\'");
    expect(visibilityLiteral("\\'")).toBe("'\\\\\\''");
  });

  it('filters by flow id over flow name, and maps the run status to Temporal execution status', () => {
    expect(runsVisibilityQuery({ workflowType: 'runFlow', flowId: 'f-1', flowName: 'x', status: 'cancelled' })).toBe(
      "WorkflowType = 'runFlow' AND FlowId = 'f-1' AND ExecutionStatus = 'Canceled'",
    );
    expect(runsVisibilityQuery({ workflowType: 'runFlow' })).toBe("WorkflowType = 'runFlow'");
  });
});
