import { Module } from '@nestjs/common';
import { CommissionsModule } from '../commissions/commissions.module';
import { DealsModule } from '../deals/deals.module';
import { OrderDealResolver, QuoteDealResolver } from './document-deal.resolver';
import { DocumentLineQueries, OrderLinesResolver, QuoteLinesResolver } from './document-lines.resolver';
import { OrderPayment } from '../orders/order-payment';
import { OrderPresenter } from '../orders/order.presenter';
import { OrderQueries } from '../orders/order.queries';
import { OrderRepository } from '../orders/order.repository';
import { OrdersResolver } from '../orders/orders.resolver';
import { CancelOrder } from '../orders/use-cases/cancel-order.use-case';
import { MarkOrderPaid } from '../orders/use-cases/mark-order-paid.use-case';
import { PlaceOrder } from '../orders/use-cases/place-order.use-case';
import { ProductsModule } from '../products/products.module';
import { DocumentBuilder } from './document-builder';
import { DraftEditor } from './draft-edit';
import { ReviseQuote } from './use-cases/revise-quote.use-case';
import { UpdateQuote } from './use-cases/update-quote.use-case';
import { DocumentLineRepository } from './document-lines.repository';
import { QuotePresenter } from './quote.presenter';
import { QuoteQueries } from './quote.queries';
import { QuoteRepository } from './quote.repository';
import { QuotesResolver } from './quotes.resolver';
import { AcceptQuote } from './use-cases/accept-quote.use-case';
import { CreateQuote } from './use-cases/create-quote.use-case';
import { DeclineQuote } from './use-cases/decline-quote.use-case';
import { RenderQuote } from './use-cases/render-quote.use-case';
import { SendQuote } from './use-cases/send-quote.use-case';
import { SetQuoteTemplate } from './use-cases/set-quote-template.use-case';

/**
 * Sales documents: quotes, the orders they become (and orders placed directly), their lines,
 * numbering and rendering. One module because accepting a quote writes the order in the same
 * transaction. Exports the order reads (Contact.orders, Contact.lifetimeValue).
 */
@Module({
  imports: [ProductsModule, CommissionsModule, DealsModule],
  providers: [
    DocumentBuilder,
    DocumentLineRepository,
    DocumentLineQueries,
    DraftEditor,
    UpdateQuote,
    ReviseQuote,
    QuoteRepository,
    QuotePresenter,
    QuoteQueries,
    CreateQuote,
    SendQuote,
    AcceptQuote,
    DeclineQuote,
    SetQuoteTemplate,
    RenderQuote,
    QuotesResolver,
    QuoteDealResolver,
    QuoteLinesResolver,
    OrderRepository,
    OrderPresenter,
    OrderQueries,
    OrderPayment,
    PlaceOrder,
    MarkOrderPaid,
    CancelOrder,
    OrdersResolver,
    OrderDealResolver,
    OrderLinesResolver,
  ],
  exports: [OrderQueries],
})
export class QuotesModule {}
