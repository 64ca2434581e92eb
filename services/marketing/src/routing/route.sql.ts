import type { SkipReason } from '@crm/events';
import type { Tx } from '@crm/platform';
import type { Channel } from '../delivery/channel.port';

/** What one routing pass writes: a campaign step's audience, or one phase of an A/B test. */
export interface RoutePass {
  campaignId: string;
  /** null: the campaign's main send; else a follow-up step (its recipients come from `stepRecipients`). */
  stepId: string | null;
  allowed: readonly Channel[];
  includeSegmentIds: readonly string[];
  excludeSegmentIds: readonly string[];
  /**
   * `all`: every audience member not yet routed; `sample`: only the A/B test share, spread over the
   * variants in turn; `rest`: the not yet routed remainder, all with `winner`.
   */
  mode: 'all' | 'sample' | 'rest';
  variants: readonly { key: string; channelOrder: readonly Channel[] | null }[];
  testShare: number;
  winner: string | null;
  /** Send time window in the recipient's local time ("09:00"–"11:00"); null: due at once. */
  window: { start: string; end: string } | null;
  /** A follow-up step: the recipients are the contacts of these earlier messages, not the segments. */
  stepRecipients?: readonly string[] | null;
}

export interface RoutedRow {
  [column: string]: unknown;
  id: string;
  contact_id: string;
  channel: Channel | null;
  skip_reason: SkipReason | null;
  passed_over: { channel: Channel; reason: SkipReason }[];
  variant: string | null;
  status: 'queued' | 'skipped';
  routed_at: Date;
}

/*
 * The routing rule of reference.ts as one INSERT … SELECT over the contact replica, segment
 * membership, the suppression list and recent messages: no query per recipient. Each recipient's
 * preferred channels are unnested with their position; per channel a CASE gives the reason it is
 * passed over (null: usable); a window function finds the first usable one. The idempotency key
 * (campaign:step:contact) makes a pass repeatable: a recipient already routed is never routed again.
 * Each recipient's decision is a LATERAL subquery over its own channels (linear in recipients
 * whatever plan is chosen) and the CTEs are MATERIALIZED: joined to an aggregate instead, a planner
 * without statistics (a fresh table) nested the aggregation in a loop — 1,000 recipients took 60 s.
 */
const ROUTE_SQL = `
WITH settings AS (
  SELECT COALESCE(max(frequency_cap), 3) AS cap, COALESCE(max(frequency_window_days), 7) AS days, COALESCE(max(default_time_zone), 'UTC') AS tz
  FROM campaign_settings WHERE tenant_id = $1
),
members AS (
  SELECT COALESCE(r.merged_into, sm.contact_id) AS contact_id, sm.segment_id = ANY($6::uuid[]) AS excl
  FROM segment_members sm LEFT JOIN contact_replica r ON r.tenant_id = sm.tenant_id AND r.contact_id = sm.contact_id
  WHERE sm.tenant_id = $1 AND (sm.segment_id = ANY($5::uuid[]) OR sm.segment_id = ANY($6::uuid[])) AND $13::uuid[] IS NULL
  UNION ALL
  SELECT unnest($13::uuid[]), false
),
audience AS MATERIALIZED (
  SELECT contact_id, bool_or(excl) AS excluded FROM members GROUP BY contact_id
  HAVING bool_or(NOT excl) OR $13::uuid[] IS NOT NULL
),
pending AS MATERIALIZED (
  SELECT a.contact_id, a.excluded FROM audience a
  WHERE NOT EXISTS (SELECT 1 FROM campaign_messages m WHERE m.tenant_id = $1 AND m.idempotency_key = $3 || a.contact_id::text)
),
numbered AS MATERIALIZED (
  SELECT p.*, row_number() OVER (ORDER BY md5($2::text || p.contact_id::text), p.contact_id) AS rn,
         count(*) OVER () AS n
  FROM pending p WHERE NOT p.excluded
),
assigned AS MATERIALIZED (
  SELECT contact_id, false AS excluded,
    CASE $7::text
      WHEN 'sample' THEN ($8::text[])[((rn - 1) % cardinality($8::text[])) + 1]
      WHEN 'rest' THEN $10::text
      ELSE NULL END AS variant
  FROM numbered
  -- the test share of the audience at the time the test starts (at least one per variant)
  WHERE $7::text <> 'sample' OR rn <= GREATEST(ceil(n * $9::float8), cardinality($8::text[]))
  UNION ALL
  SELECT contact_id, true, NULL FROM pending WHERE excluded AND $7::text <> 'rest'
),
orders AS (
  SELECT v.key, (SELECT array_agg(x ORDER BY i) FROM jsonb_array_elements_text(v.value) WITH ORDINALITY AS t(x, i)) AS channel_order
  FROM jsonb_each($11::jsonb) v WHERE jsonb_typeof(v.value) = 'array'
),
recipients AS MATERIALIZED (
  SELECT a.contact_id, a.excluded, a.variant, o.channel_order, r.erased_at, r.archived_at,
         r.preferred_channels, r.primary_email, r.primary_phone, r.addresses, r.social_handles, r.time_zone,
         -- the current consent per channel in one pass: aggregated oldest first, so the latest record
         -- (by recordedAt; unparseable first; a tie: the later entry) is the value the key keeps
         (SELECT jsonb_object_agg(cs->>'channel', cs->>'status'
                   ORDER BY CASE WHEN cs->>'recordedAt' ~ '^\\d{4}-\\d{2}-\\d{2}' THEN (cs->>'recordedAt')::timestamptz END ASC NULLS FIRST, i ASC)
          FROM jsonb_array_elements(r.consents) WITH ORDINALITY AS t(cs, i) WHERE cs->>'channel' IS NOT NULL) AS consent
  FROM assigned a
  JOIN contact_replica r ON r.tenant_id = $1 AND r.contact_id = a.contact_id
  LEFT JOIN orders o ON o.key = a.variant
),
-- The contacts' messages of other campaigns in the cap's window, counted once before anything is
-- inserted (a count per recipient inside the INSERT would walk the index entries the INSERT itself
-- adds: quadratic).
recent AS MATERIALIZED (
  SELECT m.contact_id, count(*) AS n FROM campaign_messages m
  WHERE m.tenant_id = $1 AND m.campaign_id <> $2::uuid AND m.queued_at > now() - make_interval(days => (SELECT days FROM settings))
    AND m.status IN ('queued', 'sending', 'sent', 'delivered', 'bounced')
  GROUP BY m.contact_id
),
decided AS MATERIALIZED (
  SELECT x.contact_id, x.variant, x.time_zone, d.channel, d.address,
    CASE
      WHEN x.erased_at IS NOT NULL THEN 'ERASED'
      WHEN x.archived_at IS NOT NULL THEN 'ARCHIVED'
      WHEN x.excluded THEN 'EXCLUDED'
      WHEN d.channel IS NULL THEN COALESCE(d.first_allowed_reason, 'NO_ALLOWED_CHANNEL')
      WHEN COALESCE(rc.n, 0) >= (SELECT cap FROM settings) THEN 'FREQUENCY_CAP'
    END AS skip_reason,
    COALESCE(d.passed_over, '[]') AS passed_over
  FROM recipients x
  LEFT JOIN recent rc ON rc.contact_id = x.contact_id
  LEFT JOIN LATERAL (
    SELECT min(ch) FILTER (WHERE sort = chosen_sort) AS channel,
      min(address) FILTER (WHERE sort = chosen_sort) AS address,
      (array_agg(reason ORDER BY sort) FILTER (WHERE reason <> 'NO_ALLOWED_CHANNEL'))[1] AS first_allowed_reason,
      jsonb_agg(jsonb_build_object('channel', ch, 'reason', reason) ORDER BY sort)
        FILTER (WHERE reason IS NOT NULL AND (chosen_sort IS NULL OR sort < chosen_sort)) AS passed_over
    FROM (
      SELECT c.*, min(sort) FILTER (WHERE reason IS NULL) OVER () AS chosen_sort
      FROM (
        SELECT pc.ch,
          CASE WHEN x.channel_order IS NULL THEN pc.ord ELSE COALESCE(array_position(x.channel_order, pc.ch), 1000 + pc.ord) END AS sort,
          addr.address,
          CASE
            WHEN NOT (pc.ch = ANY(COALESCE(x.channel_order, $4::text[]))) THEN 'NO_ALLOWED_CHANNEL'
            WHEN (x.consent ->> pc.ch) IS DISTINCT FROM 'granted' THEN 'NO_CONSENT'
            WHEN addr.address IS NULL THEN 'NO_ADDRESS'
            WHEN EXISTS (SELECT 1 FROM suppressions s WHERE s.tenant_id = $1 AND s.channel = pc.ch AND s.address = addr.address) THEN 'SUPPRESSED'
          END AS reason
        FROM unnest(x.preferred_channels) WITH ORDINALITY AS pc(ch, ord)
        CROSS JOIN LATERAL (SELECT CASE pc.ch
            WHEN 'email' THEN CASE WHEN x.primary_email ~ '^[^\\s@]+@[^\\s@]+\\.[^\\s@]{2,}$' THEN lower(x.primary_email) END
            WHEN 'sms' THEN CASE WHEN x.primary_phone ~ '^\\+[1-9][0-9]{6,14}$' THEN x.primary_phone END
            WHEN 'phone' THEN CASE WHEN x.primary_phone ~ '^\\+[1-9][0-9]{6,14}$' THEN x.primary_phone END
            WHEN 'post' THEN (
              -- postalLines() of @crm/shared-contacts: a street line, a city and a country at least
              SELECT concat_ws(E'\\n', btrim(a->>'line1'), NULLIF(btrim(a->>'line2'), ''),
                       concat_ws(' ', NULLIF(btrim(a->>'postalCode'), ''), btrim(a->>'city'), NULLIF(btrim(a->>'region'), '')),
                       upper(btrim(a->>'country')))
              FROM jsonb_array_elements(COALESCE(x.addresses, '[]')) WITH ORDINALITY AS t(a, i)
              WHERE COALESCE(btrim(a->>'line1'), '') <> '' AND COALESCE(btrim(a->>'city'), '') <> '' AND COALESCE(btrim(a->>'country'), '') <> ''
              ORDER BY COALESCE((a->>'primary')::boolean, false) DESC, i LIMIT 1)
            WHEN 'social' THEN (
              SELECT lower(btrim(h->>'network')) || ':' || btrim(h->>'handle')
              FROM jsonb_array_elements(COALESCE(x.social_handles, '[]')) WITH ORDINALITY AS t(h, i)
              WHERE COALESCE(btrim(h->>'handle'), '') <> '' AND COALESCE(btrim(h->>'network'), '') <> ''
              ORDER BY i LIMIT 1)
          END AS address OFFSET 0) addr -- OFFSET 0: computed once per channel, not inlined into every use
        OFFSET 0
      ) c
    ) f
  ) d ON x.erased_at IS NULL AND x.archived_at IS NULL AND NOT x.excluded
),
zones AS (SELECT name FROM pg_timezone_names)
INSERT INTO campaign_messages (id, tenant_id, campaign_id, step_id, contact_id, variant, in_test, channel, address, skip_reason, passed_over, status, idempotency_key, queued_at, due_at, routed_at)
SELECT gen_random_uuid(), $1, $2::uuid, $12::uuid, d.contact_id, d.variant, $7::text = 'sample' AND d.variant IS NOT NULL,
  CASE WHEN d.skip_reason IS NULL THEN d.channel END, CASE WHEN d.skip_reason IS NULL THEN d.address END,
  d.skip_reason, d.passed_over,
  CASE WHEN d.skip_reason IS NULL THEN 'queued' ELSE 'skipped' END,
  $3 || d.contact_id::text,
  CASE WHEN d.skip_reason IS NULL THEN now() END,
  CASE WHEN d.skip_reason IS NOT NULL THEN NULL WHEN $14::time IS NULL THEN now() ELSE (
    SELECT CASE
      WHEN lt::time >= $14::time AND lt::time < $15::time THEN now()
      WHEN lt::time < $14::time THEN (lt::date + $14::time) AT TIME ZONE z
      ELSE (lt::date + 1 + $14::time) AT TIME ZONE z END
    FROM (SELECT z, now() AT TIME ZONE z AS lt
          FROM (SELECT CASE WHEN d.time_zone IN (SELECT name FROM zones) THEN d.time_zone ELSE (SELECT tz FROM settings) END AS z) tzs) l)
  END,
  now()
FROM decided d
ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
RETURNING id, contact_id, channel, skip_reason, passed_over, variant, status, routed_at`;

/** The key that makes a routing pass and a send repeatable: one message per campaign, step and contact. */
export function idempotencyPrefix(campaignId: string, stepId: string | null): string {
  return `${campaignId}:${stepId ?? 'main'}:`;
}

/** Routes one pass and writes its message rows; returns the rows written (the caller emits MessageRoutedV1 for each). */
export async function routePass(tx: Tx, p: RoutePass): Promise<RoutedRow[]> {
  const saved = await tx.one<{ enable_nestloop: string }>(`SELECT current_setting('enable_nestloop') AS enable_nestloop`);
  const orders: Record<string, Channel[]> = {};
  for (const v of p.variants) if (v.channelOrder) orders[v.key] = [...v.channelOrder];
  // Hash joins whatever the statistics say (a fresh replica has none: the planner then believes in a
  // few rows and nests loops over 100,000), for this statement only, restored after it. (No JIT,
  // which the disabled-nestloop cost would trigger: the service's connections have it off,
  // db/data-source.ts.)
  await tx.query(`SELECT set_config('enable_nestloop', 'off', true)`);
  const params = [
    tx.tenantId, // 1
    p.campaignId, // 2
    idempotencyPrefix(p.campaignId, p.stepId), // 3
    [...p.allowed], // 4
    [...p.includeSegmentIds], // 5
    [...p.excludeSegmentIds], // 6
    p.mode, // 7
    p.variants.length ? p.variants.map((v) => v.key) : ['-'], // 8
    p.testShare, // 9
    p.winner, // 10
    JSON.stringify(orders), // 11
    p.stepId, // 12
    p.stepRecipients ? [...p.stepRecipients] : null, // 13
    p.window?.start ?? null, // 14
    p.window?.end ?? null, // 15
  ];
  const rows = await tx.query<RoutedRow>(ROUTE_SQL, params);
  await tx.query(`SELECT set_config('enable_nestloop', $1, true)`, [saved.enable_nestloop]);
  return rows;
}
