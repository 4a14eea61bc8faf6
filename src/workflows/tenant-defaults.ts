import { type TenantSettings, tenantSettings } from '../tenants/tenant-settings.js';
import type { WorkflowDefinition } from './workflow-definition.js';

/**
 * A new subject's attributes with the workflow's tenant defaults filled in:
 * each `tenantDefaults` entry sets its attribute to the tenant's setting when
 * the request gave neither the attribute nor any of its `unless` attributes.
 * Pure; the caller reads the tenant's stored settings.
 */
export function withTenantDefaults(
  def: WorkflowDefinition,
  attributes: Record<string, unknown>,
  stored: Partial<TenantSettings> | undefined,
): Record<string, unknown> {
  const defaults = def.tenantDefaults ?? [];
  if (defaults.length === 0) return attributes;
  const settings = tenantSettings(stored);
  let result = attributes;
  for (const d of defaults) {
    const given = [d.attribute, ...(d.unless ?? [])].some((name) => attributes[name] !== undefined);
    if (!given) result = { ...result, [d.attribute]: settings[d.setting] };
  }
  return result;
}
