import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { currentUser, requireRole } from '@crm/platform';
import { MANAGER_ROLES } from '../common/roles';
import { CreatePriceListInput, CreateProductInput, PriceInput, PriceList, Product } from './product.types';
import { ProductsService } from './products.service';

@Resolver(() => Product)
export class ProductsResolver {
  constructor(private readonly productsService: ProductsService) {}

  @Query(() => [Product])
  products() {
    return this.productsService.products(currentUser().tenantId);
  }

  @Query(() => [PriceList])
  priceLists() {
    return this.productsService.priceLists(currentUser().tenantId);
  }

  @Mutation(() => Product, { description: 'admin or sales-manager' })
  createProduct(@Args('input') input: CreateProductInput) {
    return this.productsService.createProduct(requireRole(...MANAGER_ROLES), input);
  }

  @Mutation(() => PriceList, { description: 'A price list in one currency; the first of a currency is its default (admin or sales-manager)' })
  createPriceList(@Args('input') input: CreatePriceListInput) {
    return this.productsService.createPriceList(requireRole(...MANAGER_ROLES), input);
  }

  @Mutation(() => PriceList, { description: 'Sets one product’s price in a price list (admin or sales-manager)' })
  setPrice(@Args('priceListId', { type: () => ID }) priceListId: string, @Args('input') input: PriceInput) {
    return this.productsService.setPrice(requireRole(...MANAGER_ROLES), priceListId, input);
  }
}
