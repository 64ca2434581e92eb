import { Injectable } from '@nestjs/common';
import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { UnitOfWork } from '@crm/platform';
import { tenantLoader } from '../common/loaders';
import { DocumentLine } from './document.types';
import { DocumentLineRepository, type DocumentKind } from './document-lines.repository';
import { Order, Quote, type Listed } from './quote.types';

/** What the lines of a listed document are read by: its id and currency, batched per kind over the request. */
@Injectable()
export class DocumentLineQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly lines: DocumentLineRepository,
  ) {}

  /** A document from a use case already has its lines; a listed one gets them in one query with the request's other documents of its kind. */
  of(kind: DocumentKind, doc: Listed<Quote | Order> & { lines?: DocumentLine[] }): DocumentLine[] | Promise<DocumentLine[]> {
    return (
      doc.lines ??
      tenantLoader<{ id: string; currency: string }, DocumentLine[], string>(
        `${kind}-lines`,
        async (t, docs) => {
          const lines = await this.uow.run(t, (tx) => this.lines.load(tx, kind, docs));
          return docs.map((d) => lines.get(d.id)!);
        },
        (d) => d.id,
      ).load(doc)
    );
  }
}

/** `Quote.lines` (see DocumentLineQueries). */
@Resolver(() => Quote)
export class QuoteLinesResolver {
  constructor(private readonly documentLines: DocumentLineQueries) {}

  @ResolveField(() => [DocumentLine])
  lines(@Parent() q: Listed<Quote>) {
    return this.documentLines.of('quote', q);
  }
}

/** `Order.lines` (see DocumentLineQueries). */
@Resolver(() => Order)
export class OrderLinesResolver {
  constructor(private readonly documentLines: DocumentLineQueries) {}

  @ResolveField(() => [DocumentLine])
  lines(@Parent() o: Listed<Order>) {
    return this.documentLines.of('order', o);
  }
}
