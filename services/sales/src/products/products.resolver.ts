import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { currentUser, RequirePermission } from '@crm/platform';
import { SalesPermission } from '../permissions';
import { CatalogueQueries } from './catalogue.queries';
import { CreatePriceListInput, CreateProductInput, PriceInput, PriceList, Product } from './product.types';
import { CreatePriceList } from './use-cases/create-price-list.use-case';
import { CreateProduct } from './use-cases/create-product.use-case';
import { SetPrice } from './use-cases/set-price.use-case';

@Resolver(() => Product)
export class ProductsResolver {
  constructor(
    private readonly catalogue: CatalogueQueries,
    private readonly createProductUseCase: CreateProduct,
    private readonly createPriceListUseCase: CreatePriceList,
    private readonly setPriceUseCase: SetPrice,
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

  @Mutation(() => PriceList, { description: 'Sets one product’s price in a price list' })
  @RequirePermission(SalesPermission['config.manage'])
  setPrice(@Args('priceListId', { type: () => ID }) priceListId: string, @Args('input') input: PriceInput) {
    return this.setPriceUseCase.execute(currentUser(), priceListId, input);
  }
}
