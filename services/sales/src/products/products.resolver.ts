import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { SalesPermission } from '../permissions';
import { currentUser, RequirePermission } from '@crm/platform';
import { CreatePriceListInput, CreateProductInput, PriceInput, PriceList, Product } from './product.types';
import { ProductsService } from './products.service';

@Resolver(() => Product)
export class ProductsResolver {
  constructor(private readonly productsService: ProductsService) {}

  // Lists, not connections: the catalogue and its price lists are configuration a quote form reads whole.
  // If a tenant's catalogue ever grows to thousands of SKUs, products becomes a connection (keysetPage).
  @Query(() => [Product])
  @RequirePermission(SalesPermission['deal.read'])
  products() {
    return this.productsService.products(currentUser().tenantId);
  }

  @Query(() => [PriceList])
  @RequirePermission(SalesPermission['deal.read'])
  priceLists() {
    return this.productsService.priceLists(currentUser().tenantId);
  }

  @Mutation(() => Product)
  @RequirePermission(SalesPermission['config.manage'])
  createProduct(@Args('input') input: CreateProductInput) {
    return this.productsService.createProduct(currentUser(), input);
  }

  @Mutation(() => PriceList, { description: 'A price list in one currency; the first of a currency is its default' })
  @RequirePermission(SalesPermission['config.manage'])
  createPriceList(@Args('input') input: CreatePriceListInput) {
    return this.productsService.createPriceList(currentUser(), input);
  }

  @Mutation(() => PriceList, { description: 'Sets one product’s price in a price list' })
  @RequirePermission(SalesPermission['config.manage'])
  setPrice(@Args('priceListId', { type: () => ID }) priceListId: string, @Args('input') input: PriceInput) {
    return this.productsService.setPrice(currentUser(), priceListId, input);
  }
}
