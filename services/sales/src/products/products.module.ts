import { Module } from '@nestjs/common';
import { CatalogueQueries } from './catalogue.queries';
import { PriceListRepository } from './price-list.repository';
import { ProductRepository } from './product.repository';
import { ProductsResolver } from './products.resolver';
import { CreatePriceList } from './use-cases/create-price-list.use-case';
import { CreateProduct } from './use-cases/create-product.use-case';
import { SetPrice } from './use-cases/set-price.use-case';
import { SetProductActive } from './use-cases/set-product-active.use-case';
import { UpdateProduct } from './use-cases/update-product.use-case';

/** The catalogue: products and price lists. Quotes, orders and commission rules read products through the exported repositories. */
@Module({
  providers: [ProductRepository, PriceListRepository, CatalogueQueries, CreateProduct, CreatePriceList, SetPrice, UpdateProduct, SetProductActive, ProductsResolver],
  exports: [ProductRepository, PriceListRepository],
})
export class ProductsModule {}
