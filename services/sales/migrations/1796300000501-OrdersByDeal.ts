import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 11: a contact's lifetime value counts a won deal only when no order (not cancelled) came
 * from it — a look-up of orders by deal, per won deal, that had no index: with planner statistics
 * it was a hash anti-join over the tenant's orders, without them the tenant's orders were read by
 * the contact index and filtered, once per deal. One index on (tenant_id, deal_id) answers it
 * whatever the statistics say.
 */
export class OrdersByDeal1796300000501 implements MigrationInterface {
  name = 'OrdersByDeal1796300000501';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX orders_deal ON orders (tenant_id, deal_id) WHERE deal_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX orders_deal`);
  }
}
