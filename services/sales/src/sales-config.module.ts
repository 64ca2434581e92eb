import { Global, Module } from '@nestjs/common';
import { SALES_CONFIG, salesConfigProvider } from './config';

/** SALES_CONFIG for every sales context (the reminder scheduler, and any other that reads a setting). */
@Global()
@Module({ providers: [salesConfigProvider], exports: [SALES_CONFIG] })
export class SalesConfigModule {}
