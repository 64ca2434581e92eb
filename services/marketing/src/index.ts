export { marketingService } from './service';
