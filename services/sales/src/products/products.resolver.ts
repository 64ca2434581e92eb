import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { currentUser, RequirePermission } from '@crm/platform';
import { SalesPermission } from '../permissions';
import { CatalogueQueries } from './catalogue.queries';
import { DateScalar } from '@crm/shared-kernel';
import { CreatePriceListInput, CreateProductInput, PriceChange, PriceInput, PriceList, Product, UpdateProductInput } from './product.types';
import { CreatePriceList } from './use-cases/create-price-list.use-case';
import { CreateProduct } from './use-cases/create-product.use-case';
import { SetPrice } from './use-cases/set-price.use-case';
import { SetProductActive } from './use-cases/set-product-active.use-case';
import { UpdateProduct } from './use-cases/update-product.use-case';

@Resolver(() => Product)
export class ProductsResolver {
  constructor(
    private readonly catalogue: CatalogueQueries,
    private readonly createProductUseCase: CreateProduct,
    private readonly createPriceListUseCase: CreatePriceList,
    private readonly setPriceUseCase: SetPrice,
    private readonly updateProductUseCase: UpdateProduct,
    private readonly setProductActive: SetProductActive,
  ) {}

  // Lists, not connections: the catalogue and its price lists are configuration a quote form reads whole.
  // If a tenant's catalogue ever grows to thousands of SKUs, products becomes a connection (keysetPage).
  @Query(() => [Product])
  @RequirePermission(SalesPermission['deal.read'])
  products() {
    return this.catalogue.products(currentUser().tenantId);
  }

  @Query(() => [PriceList])
  @RequirePermission(SalesPermission['deal.read'])
  priceLists() {
    return this.catalogue.priceLists(currentUser().tenantId);
  }

  @Query(() => [PriceChange], { description: 'Every price set for a product in a price list, by effective date' })
  @RequirePermission(SalesPermission['deal.read'])
  priceHistory(@Args('priceListId', { type: () => ID }) priceListId: string, @Args('productId', { type: () => ID }) productId: string) {
    return this.catalogue.priceHistory(currentUser().tenantId, priceListId, productId);
  }

  @Mutation(() => Product, { description: 'Edits a product; quotes and orders already issued keep their lines' })
  @RequirePermission(SalesPermission['config.manage'])
  updateProduct(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateProductInput) {
    return this.updateProductUseCase.execute(currentUser(), id, input);
  }

  @Mutation(() => Product, { description: 'An inactive product cannot be put on new quotes or orders' })
  @RequirePermission(SalesPermission['config.manage'])
  deactivateProduct(@Args('id', { type: () => ID }) id: string) {
    return this.setProductActive.execute(currentUser(), id, false);
  }

  @Mutation(() => Product)
  @RequirePermission(SalesPermission['config.manage'])
  reactivateProduct(@Args('id', { type: () => ID }) id: string) {
    return this.setProductActive.execute(currentUser(), id, true);
  }

  @Mutation(() => Product)
  @RequirePermission(SalesPermission['config.manage'])
  createProduct(@Args('input') input: CreateProductInput) {
    return this.createProductUseCase.execute(currentUser(), input);
  }

  @Mutation(() => PriceList, { description: 'A price list in one currency; the first of a currency is its default' })
  @RequirePermission(SalesPermission['config.manage'])
  createPriceList(@Args('input') input: CreatePriceListInput) {
    return this.createPriceListUseCase.execute(currentUser(), input);
  }

  @Mutation(() => PriceList, {
    description: 'Sets one product’s price in a price list, effective from a date (default today, UTC); new quotes and orders use the price effective on their date',
  })
  @RequirePermission(SalesPermission['config.manage'])
  setPrice(
    @Args('priceListId', { type: () => ID }) priceListId: string,
    @Args('input') input: PriceInput,
    @Args('effectiveFrom', { type: () => DateScalar, nullable: true }) effectiveFrom?: string,
  ) {
    return this.setPriceUseCase.execute(currentUser(), priceListId, input, effectiveFrom);
  }
}
