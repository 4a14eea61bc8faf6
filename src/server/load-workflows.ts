import type { Config } from '../config/config.js';
import { BUILTIN_WORKFLOWS } from '../workflows/builtin/index.js';
import { operational } from '../workflows/builtin/operational.js';
import { loadWorkflowFile } from '../workflows/load-workflow-file.js';
import { createWorkflowRegistry, type WorkflowRegistry } from '../workflows/workflow-registry.js';

/**
 * The nine built-in workflows, Tidings' own `operational` one, and the
 * operator's files; a name defined twice is refused.
 */
export function loadWorkflows(config: Pick<Config, 'workflowFiles'>): WorkflowRegistry {
  const extra = config.workflowFiles.flatMap((file) => loadWorkflowFile(file));
  return createWorkflowRegistry([...BUILTIN_WORKFLOWS, operational, ...extra]);
}
