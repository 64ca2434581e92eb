import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import type { EventBus } from '../bus/event-bus';
import { ServiceMetrics } from '../metrics';
import { EVENT_BUS } from '../tokens';

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly ds: DataSource,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly metrics: ServiceMetrics,
  ) {}

  /** The process is alive (no dependency checks: a DB outage must not restart every pod). */
  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  /** Ready to serve: database answers and the broker is reachable. */
  @Get('health/ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.indicator.check('database').attempt(async () => void (await this.ds.query('SELECT 1'))).withTimeout(2000),
      () =>
        this.indicator
          .check('broker')
          .attempt(async () => {
            if (!(await this.bus.isReady())) throw new Error(`${this.bus.kind} bus not ready`);
            return { kind: this.bus.kind };
          })
          .withTimeout(3000),
    ]);
  }

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async prometheus(@Res() res: Response) {
    const { contentType, body } = await this.metrics.text();
    res.setHeader('Content-Type', contentType);
    res.send(body);
  }
}
