import { Type } from '@sinclair/typebox';

/**
 * A tenant's settings: defaults its workflows take where a request leaves a
 * value out. Stored as the tenant gave them (`tenants.settings`, migration 10);
 * read through `tenantSettings`, which fills in the documented defaults.
 */
export interface TenantSettings {
  /**
   * Days until a OneSpan transaction (`idv-transaction`) created with neither
   * `expiry_timestamp` nor `expiry_period` expires: seed 001 says
   * `expiry_period` takes its default "from the tenant configuration". The
   * transaction gets this value as its `expiry_period` at creation.
   */
  defaultExpiryPeriodDays: number;
}

/**
 * 30 days: our choice. OneSpan publishes no value for the tenant default
 * (seed-formats.md: "default from tenant config"), and a month is the span
 * e-signature services commonly give a signer.
 */
export const DEFAULT_TENANT_SETTINGS: Readonly<TenantSettings> = { defaultExpiryPeriodDays: 30 };

/** The settings a tenant has set, every one optional; what `PATCH /v1/tenants/{id}` accepts. */
export const TenantSettingsInput = Type.Object(
  {
    defaultExpiryPeriodDays: Type.Optional(
      Type.Integer({
        minimum: 1,
        // The bound `expiry_period` itself has (idv-transaction-attributes.ts).
        maximum: 36_500,
        description: `days until a OneSpan transaction without expiry_timestamp or expiry_period expires (default ${DEFAULT_TENANT_SETTINGS.defaultExpiryPeriodDays})`,
      }),
    ),
  },
  { additionalProperties: false },
);

export const TenantSettingsSchema = Type.Object({
  defaultExpiryPeriodDays: Type.Integer({
    description: `days until a OneSpan transaction without expiry_timestamp or expiry_period expires (default ${DEFAULT_TENANT_SETTINGS.defaultExpiryPeriodDays})`,
  }),
});

/** The effective settings: what the tenant set over the defaults. */
export function tenantSettings(stored: Partial<TenantSettings> | undefined): TenantSettings {
  return { ...DEFAULT_TENANT_SETTINGS, ...stored };
}
