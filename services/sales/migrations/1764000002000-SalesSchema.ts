import type { MigrationInterface, QueryRunner } from 'typeorm';
import { enableTenantIsolation } from '@crm/platform';

/** Tenant tables of the sales module; every one is under row-level security except the reminder queue. */
export const SALES_TENANT_TABLES = [
  'pipelines', 'stages', 'deals', 'deal_stage_history', 'products', 'price_lists', 'price_list_items', 'document_counters',
  'quotes', 'quote_lines', 'quote_templates', 'orders', 'order_lines', 'commission_rules', 'commission_entries', 'tasks',
] as const;

export class SalesSchema1764000002000 implements MigrationInterface {
  name = 'SalesSchema1764000002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE pipelines (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        is_default boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX pipelines_name ON pipelines (tenant_id, lower(name))`);
    await q.query(`CREATE UNIQUE INDEX pipelines_default ON pipelines (tenant_id) WHERE is_default`);
    await q.query(`
      CREATE TABLE stages (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        pipeline_id uuid NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
        name text NOT NULL,
        position int NOT NULL,
        probability int NOT NULL CHECK (probability BETWEEN 0 AND 100),
        UNIQUE (pipeline_id, position)
      )`);
    await q.query(`
      CREATE TABLE deals (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        title text NOT NULL,
        contact_id uuid NOT NULL,
        company_id uuid,
        owner_id text NOT NULL,
        pipeline_id uuid NOT NULL REFERENCES pipelines (id),
        stage_id uuid NOT NULL REFERENCES stages (id),
        amount numeric NOT NULL CHECK (amount >= 0),
        currency char(3) NOT NULL,
        expected_close_date date,
        source jsonb,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
        lost_reason text,
        forecast_category text NOT NULL DEFAULT 'pipeline' CHECK (forecast_category IN ('pipeline', 'best_case', 'commit', 'omitted')),
        notes text,
        closed_at timestamptz,
        version int NOT NULL DEFAULT 1,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX deals_contact ON deals (tenant_id, contact_id)`);
    await q.query(`CREATE INDEX deals_owner ON deals (tenant_id, owner_id, status)`);
    await q.query(`CREATE INDEX deals_stage ON deals (tenant_id, pipeline_id, stage_id)`);
    await q.query(`CREATE INDEX deals_created ON deals (tenant_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE deal_stage_history (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL,
        deal_id uuid NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
        pipeline_id uuid NOT NULL,
        from_stage_id uuid,
        to_stage_id uuid NOT NULL,
        moved_by text NOT NULL,
        moved_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE INDEX deal_stage_history_deal ON deal_stage_history (deal_id, moved_at, id)`);
    await q.query(`
      CREATE TABLE products (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        sku text NOT NULL,
        name text NOT NULL,
        description text,
        unit text,
        tax_rate numeric NOT NULL DEFAULT 0 CHECK (tax_rate >= 0 AND tax_rate <= 100),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX products_sku ON products (tenant_id, lower(sku))`);
    await q.query(`
      CREATE TABLE price_lists (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        currency char(3) NOT NULL,
        is_default boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX price_lists_name ON price_lists (tenant_id, lower(name))`);
    await q.query(`CREATE UNIQUE INDEX price_lists_default ON price_lists (tenant_id, currency) WHERE is_default`);
    await q.query(`
      CREATE TABLE price_list_items (
        tenant_id text NOT NULL,
        price_list_id uuid NOT NULL REFERENCES price_lists (id) ON DELETE CASCADE,
        product_id uuid NOT NULL REFERENCES products (id),
        unit_price numeric NOT NULL CHECK (unit_price >= 0),
        PRIMARY KEY (price_list_id, product_id)
      )`);
    await q.query(`
      CREATE TABLE document_counters (
        tenant_id text NOT NULL,
        kind text NOT NULL,
        last_value bigint NOT NULL,
        PRIMARY KEY (tenant_id, kind)
      )`);
    const documentColumns = `
        currency char(3) NOT NULL,
        prices_include_tax boolean NOT NULL,
        subtotal numeric NOT NULL,
        discount_total numeric NOT NULL,
        tax_total numeric NOT NULL,
        total numeric NOT NULL,
        taxes jsonb NOT NULL DEFAULT '[]'`;
    const lineColumns = `
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        position int NOT NULL,
        product_id uuid REFERENCES products (id),
        sku text,
        description text NOT NULL,
        quantity numeric NOT NULL CHECK (quantity > 0),
        unit_price numeric NOT NULL CHECK (unit_price >= 0),
        discount_percent numeric,
        discount numeric NOT NULL,
        tax_rate numeric NOT NULL,
        net numeric NOT NULL,
        tax numeric NOT NULL,
        gross numeric NOT NULL`;
    await q.query(`
      CREATE TABLE quotes (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        number text NOT NULL,
        contact_id uuid NOT NULL,
        deal_id uuid REFERENCES deals (id),
        owner_id text NOT NULL,
        price_list_id uuid REFERENCES price_lists (id),
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent', 'accepted', 'declined')),
        valid_until date,
        notes text,
        recipient_name text,
        recipient_email text,
        ${documentColumns},
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        accepted_at timestamptz,
        declined_at timestamptz,
        UNIQUE (tenant_id, number)
      )`);
    await q.query(`CREATE INDEX quotes_contact ON quotes (tenant_id, contact_id)`);
    await q.query(`CREATE INDEX quotes_deal ON quotes (tenant_id, deal_id)`);
    await q.query(`CREATE TABLE quote_lines (${lineColumns}, quote_id uuid NOT NULL REFERENCES quotes (id) ON DELETE CASCADE)`);
    await q.query(`CREATE INDEX quote_lines_quote ON quote_lines (quote_id, position)`);
    await q.query(`
      CREATE TABLE quote_templates (
        tenant_id text PRIMARY KEY,
        html text NOT NULL,
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        number text NOT NULL,
        contact_id uuid NOT NULL,
        deal_id uuid REFERENCES deals (id),
        quote_id uuid REFERENCES quotes (id),
        owner_id text NOT NULL,
        channel text NOT NULL CHECK (channel IN ('direct', 'point_of_sale', 'web_shop', 'phone', 'marketplace', 'other')),
        status text NOT NULL DEFAULT 'placed' CHECK (status IN ('placed', 'paid', 'cancelled')),
        external_ref text,
        billing_name text,
        billing_email text,
        billing_address jsonb,
        ${documentColumns},
        created_by text NOT NULL,
        placed_at timestamptz NOT NULL DEFAULT now(),
        paid_at timestamptz,
        cancelled_at timestamptz,
        UNIQUE (tenant_id, number)
      )`);
    await q.query(`CREATE UNIQUE INDEX orders_quote ON orders (quote_id) WHERE quote_id IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX orders_external_ref ON orders (tenant_id, channel, external_ref) WHERE external_ref IS NOT NULL`);
    await q.query(`CREATE INDEX orders_contact ON orders (tenant_id, contact_id)`);
    await q.query(`CREATE TABLE order_lines (${lineColumns}, order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE)`);
    await q.query(`CREATE INDEX order_lines_order ON order_lines (order_id, position)`);
    await q.query(`
      CREATE TABLE commission_rules (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        owner_id text,
        product_id uuid REFERENCES products (id),
        applies_to text NOT NULL CHECK (applies_to IN ('deals', 'orders')),
        kind text NOT NULL CHECK (kind IN ('percentage', 'fixed')),
        rate numeric,
        fixed_amount numeric,
        fixed_currency char(3),
        tiers jsonb NOT NULL DEFAULT '[]',
        active boolean NOT NULL DEFAULT true,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE commission_entries (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        rule_id uuid NOT NULL REFERENCES commission_rules (id),
        owner_id text NOT NULL,
        source_kind text NOT NULL CHECK (source_kind IN ('deal', 'order')),
        source_id uuid NOT NULL,
        line_id uuid,
        period text NOT NULL,
        currency char(3) NOT NULL,
        basis numeric NOT NULL,
        commission numeric NOT NULL,
        earned_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX commission_entries_source ON commission_entries (tenant_id, source_kind, source_id, coalesce(line_id, '00000000-0000-0000-0000-000000000000'))`);
    await q.query(`CREATE INDEX commission_entries_owner ON commission_entries (tenant_id, owner_id, earned_at)`);
    await q.query(`
      CREATE TABLE tasks (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        title text NOT NULL,
        notes text,
        deal_id uuid REFERENCES deals (id),
        contact_id uuid,
        assignee_id text NOT NULL,
        due_at timestamptz NOT NULL,
        due_emitted_at timestamptz,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
        completed_at timestamptz,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (deal_id IS NOT NULL OR contact_id IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX tasks_assignee ON tasks (tenant_id, assignee_id, status, due_at)`);
    await q.query(`CREATE INDEX tasks_contact ON tasks (tenant_id, contact_id)`);
    await q.query(`CREATE INDEX tasks_deal ON tasks (tenant_id, deal_id)`);
    // The reminder queue the scheduler sweeps across tenants (like the outbox: infrastructure, no
    // personal data — ids and times only — so not under row-level security). One row per open task.
    await q.query(`
      CREATE TABLE task_reminders (
        task_id uuid PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
        tenant_id text NOT NULL,
        due_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX task_reminders_due ON task_reminders (due_at)`);
    for (const t of SALES_TENANT_TABLES) await enableTenantIsolation(q, t);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['task_reminders', 'tasks', 'commission_entries', 'commission_rules', 'order_lines', 'orders', 'quote_templates', 'quote_lines', 'quotes',
      'document_counters', 'price_list_items', 'price_lists', 'products', 'deal_stage_history', 'deals', 'stages', 'pipelines']) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
