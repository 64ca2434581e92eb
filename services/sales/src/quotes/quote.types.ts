import { Field, ID, Int } from '@nestjs/graphql';
import { DateScalar, moneyTypes } from '@crm/shared-kernel';
import { Connection, InputType, ObjectType, SalesSchemaScope, registerEnumType } from '../schema-scope';
import { DocumentLine, DocumentLineInput, TaxLine } from './document.types';

const { Money } = moneyTypes(SalesSchemaScope);
type Money = InstanceType<typeof Money>;

export enum QuoteStatus {
  DRAFT = 'draft',
  SENT = 'sent',
  ACCEPTED = 'accepted',
  DECLINED = 'declined',
  SUPERSEDED = 'superseded',
}
registerEnumType(QuoteStatus, { name: 'QuoteStatus', description: 'SUPERSEDED: a sent quote that was revised into a newer version (supersededBy)' });

export enum SalesChannel {
  DIRECT = 'direct',
  POINT_OF_SALE = 'point_of_sale',
  WEB_SHOP = 'web_shop',
  PHONE = 'phone',
  MARKETPLACE = 'marketplace',
  OTHER = 'other',
}
registerEnumType(SalesChannel, { name: 'SalesChannel', description: 'Where a purchase happened (DIRECT = a sales rep, e.g. an accepted quote)' });

export enum OrderStatus {
  PLACED = 'placed',
  PAID = 'paid',
  CANCELLED = 'cancelled',
}
registerEnumType(OrderStatus, { name: 'OrderStatus' });

@ObjectType({ isAbstract: true })
export abstract class SalesDocument {
  @Field(() => ID) id: string;
  @Field() number: string;
  contactId: string;
  dealId: string | null;
  @Field() ownerId: string;
  @Field() currency: string;
  @Field() pricesIncludeTax: boolean;
  @Field(() => [DocumentLine]) lines: DocumentLine[];
  @Field(() => Money, { description: 'Sum of line net amounts' }) subtotal: Money;
  @Field(() => Money) discountTotal: Money;
  @Field(() => Money) taxTotal: Money;
  @Field(() => Money, { description: 'Sum of line gross amounts' }) total: Money;
  @Field(() => [TaxLine], { description: 'Net and tax per rate' }) taxes: TaxLine[];
}

/** A document as reads return it: its lines are loaded by the `lines` field resolver, and only when the operation selects them. */
export type Listed<D extends SalesDocument> = Omit<D, 'lines'>;

@ObjectType()
export class Quote extends SalesDocument {
  @Field(() => QuoteStatus) status: QuoteStatus;
  @Field(() => DateScalar, { nullable: true }) validUntil: string | null;
  @Field(() => String, { nullable: true }) notes: string | null;
  @Field() createdAt: Date;
  @Field(() => Date, { nullable: true }) sentAt: Date | null;
  @Field(() => Date, { nullable: true }) acceptedAt: Date | null;
  @Field(() => Int, { description: '1 for a new quote; a revision is the next version' }) version: number;
  @Field(() => Date, { nullable: true }) supersededAt: Date | null;
  /** The first version's id (this one's for a first version). */
  rootId: string;
  supersedesId: string | null;
  supersededById: string | null;
}

@ObjectType()
export class Order extends SalesDocument {
  quoteId: string | null;
  @Field(() => SalesChannel) channel: SalesChannel;
  @Field(() => OrderStatus) status: OrderStatus;
  @Field(() => String, { nullable: true, description: 'Id in the shop / POS system (idempotency key per channel)' }) externalRef: string | null;
  @Field() placedAt: Date;
  @Field(() => Date, { nullable: true }) paidAt: Date | null;
  @Field(() => Date, { nullable: true }) cancelledAt: Date | null;
}

@ObjectType()
export class QuoteDocument {
  @Field() fileName: string;
  @Field({ description: 'text/html (a PDF: renderQuotePdf)' }) contentType: string;
  @Field() content: string;
}

@ObjectType({ description: 'A quote rendered as a PDF (A4, standard fonts, same figures as the HTML document)' })
export class QuotePdf {
  @Field({ description: 'e.g. Q-000001.pdf' }) fileName: string;
  @Field({ description: 'application/pdf' }) contentType: string;
  @Field({ description: 'The PDF file, base64-encoded' }) base64: string;
  @Field(() => Int, { description: 'Size of the PDF file in bytes (decoded)' }) bytes: number;
}

@InputType()
export class CreateQuoteInput {
  @Field(() => ID) contactId: string;
  @Field(() => ID, { nullable: true }) dealId?: string;
  @Field({ description: 'ISO 4217' }) currency: string;
  @Field(() => ID, { nullable: true, description: 'Default: the currency’s default price list' }) priceListId?: string;
  @Field({ nullable: true, defaultValue: false, description: 'true: unit prices include tax' }) pricesIncludeTax?: boolean;
  @Field(() => DateScalar, { nullable: true }) validUntil?: string;
  @Field(() => String, { nullable: true }) notes?: string;
  @Field(() => [DocumentLineInput]) lines: DocumentLineInput[];
}

@InputType({ description: 'A purchase outside the quote flow: point of sale, web shop, phone…' })
export class PlaceOrderInput {
  @Field(() => ID) contactId: string;
  @Field(() => SalesChannel) channel: SalesChannel;
  @Field() currency: string;
  @Field(() => ID, { nullable: true }) priceListId?: string;
  @Field({ nullable: true, defaultValue: false }) pricesIncludeTax?: boolean;
  @Field(() => [DocumentLineInput]) lines: DocumentLineInput[];
  @Field(() => String, { nullable: true, description: 'Order id in the shop/POS: placing the same one again returns the existing order' }) externalRef?: string;
  @Field(() => ID, { nullable: true }) dealId?: string;
  @Field(() => String, { nullable: true, description: 'Default: the caller' }) ownerId?: string;
  @Field({ nullable: true, defaultValue: false, description: 'Already paid (e.g. at the till)' }) paid?: boolean;
}

export const QuoteConnection = Connection(Quote);
export const OrderConnection = Connection(Order);

@InputType()
export class QuoteFilter {
  @Field(() => ID, { nullable: true }) contactId?: string | null;
  @Field(() => ID, { nullable: true }) dealId?: string | null;
  @Field(() => QuoteStatus, { nullable: true }) status?: QuoteStatus | null;
}

@InputType()
export class OrderFilter {
  @Field(() => ID, { nullable: true }) contactId?: string | null;
  @Field(() => SalesChannel, { nullable: true }) channel?: SalesChannel | null;
  @Field(() => OrderStatus, { nullable: true }) status?: OrderStatus | null;
}

@InputType({ description: 'Fields left out stay as they are; lines, when given, replace all lines (priced again from the price list); null clears validUntil or notes' })
export class UpdateQuoteInput {
  @Field(() => [DocumentLineInput], { nullable: true }) lines?: DocumentLineInput[];
  @Field(() => DateScalar, { nullable: true }) validUntil?: string | null;
  @Field(() => String, { nullable: true }) notes?: string | null;
  @Field(() => ID, { nullable: true, description: 'Only with lines: the list they are priced from' }) priceListId?: string;
  @Field({ nullable: true, description: 'Only with lines' }) pricesIncludeTax?: boolean;
}
