import { Args, Info, Query, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { currentUser, keysetPage, notFound, PageArgs, RequirePermission, selectsField, SqlParams, UnitOfWork, type KeysetOrder, type KeysetRow } from '@crm/platform';
import { MarketingPermission } from '../permissions';
import { CaughtMail, CaughtMailConnection, type MailHeader } from './caught-mail.types';
import { MailCatcher } from './mail-catcher';

interface CaughtMailRow {
  [column: string]: unknown;
  id: string; message_id: string | null; mail_from: string; mail_to: string; subject: string | null; text_body: string | null; html_body: string | null; headers: MailHeader[]; received_at: Date;
}

const ORDER: KeysetOrder = { name: 'caught_mail', key: 'received_at', dir: 'DESC', timestamp: true };

const toCaughtMail = (r: CaughtMailRow): CaughtMail => ({
  id: r.id, messageId: r.message_id, from: r.mail_from, to: r.mail_to, subject: r.subject, text: r.text_body, html: r.html_body, headers: r.headers, receivedAt: r.received_at,
});

@Resolver(() => CaughtMail)
export class CaughtMailResolver {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly catcher: MailCatcher,
  ) {}

  @Query(() => CaughtMailConnection, { description: 'Emails caught by the embedded mail catcher, newest first (NOT_FOUND when it is off: MARKETING_SMTP_URL is set, or production)' })
  @RequirePermission(MarketingPermission['mail.read'])
  caughtMail(@Args() page: PageArgs, @Info() info: GraphQLResolveInfo) {
    if (!this.catcher.enabled) throw notFound('the mail catcher is off (MARKETING_SMTP_URL is set, or NODE_ENV=production): emails went to the SMTP server');
    const withTotal = selectsField(info, 'totalCount');
    const p = keysetPage(ORDER, page);
    return this.uow.run(currentUser().tenantId, async (tx) => {
      const q = new SqlParams(tx.tenantId);
      const after = p.afterSql(q.p);
      const rows = await tx.query<CaughtMailRow & KeysetRow>(
        `SELECT *, ${p.sortKey} AS sort_key FROM caught_mail WHERE ${q.where(['tenant_id = $1', after])} ORDER BY ${p.orderBy} LIMIT ${q.p(p.limit)}`,
        q.values,
      );
      const n = withTotal ? (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM caught_mail WHERE tenant_id = $1`, [tx.tenantId])).n : null;
      return p.connection(rows, (r) => r.map(toCaughtMail), n);
    });
  }
}
