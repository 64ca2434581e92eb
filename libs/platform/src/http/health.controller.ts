import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import type { EventBus } from '../bus/event-bus';
import type { BaseServiceConfig } from '../config';
import { isStalled, outboxProgress } from '../outbox/outbox-stats';
import type { ServiceInfo } from '../service-info';
import { EVENT_BUS, PLATFORM_CONFIG, SERVICE_INFO } from '../tokens';

/**
 * Health probes, on the service's port. Prometheus metrics are not here: they have their own internal
 * listener (http/metrics-server.ts, METRICS_PORT), so the public port never exposes them.
 */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly ds: DataSource,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(PLATFORM_CONFIG) private readonly config: Pick<BaseServiceConfig, 'OUTBOX_STALL_SECONDS'>,
    @Inject(SERVICE_INFO) private readonly info: Pick<ServiceInfo, 'role'>,
  ) {}

  /** The process is alive (no dependency checks: a DB outage must not restart every pod). */
  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  /**
   * Ready to serve: database answers, the broker is reachable, and the outbox relay is not stalled
   * (rows have waited longer than OUTBOX_STALL_SECONDS and no relay published anything for as long:
   * committed events are not reaching the broker). The `outbox` entry says which. An `api` process
   * (PROCESS_ROLE) neither publishes nor consumes: a broker outage or a stalled relay is the workers'
   * (their readiness fails), and its requests still succeed, so it stays ready and reports them.
   */
  @Get('health/ready')
  @HealthCheck()
  ready() {
    // One query answers both "does the database answer" and "is the relay keeping up".
    const progress = outboxProgress(this.ds);
    progress.catch(() => undefined);
    return this.health.check([
      () => this.indicator.check('database').attempt(async () => void (await progress)).withTimeout(2000),
      () =>
        this.indicator
          .check('broker')
          .attempt(async () => {
            // An answer within 2 s, before the check's own timeout: a client retrying an unreachable broker takes longer.
            const ready = await Promise.race([this.bus.isReady().catch(() => false), new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref())]);
            if (!ready && !this.reportsOnly()) throw new Error(`${this.bus.kind} bus not ready`);
            return { kind: this.bus.kind, ...(ready ? {} : { reachable: false }) };
          })
          .withTimeout(3000),
      () =>
        this.indicator
          .check('outbox')
          .attempt(async () => {
            const stallSeconds = this.config.OUTBOX_STALL_SECONDS ?? 60;
            const p = await progress;
            const state = {
              oldestWaitingSeconds: p.headAgeSeconds == null ? 0 : Math.round(p.headAgeSeconds),
              lastProgressSecondsAgo: Number.isFinite(p.sinceProgressSeconds) ? Math.round(p.sinceProgressSeconds) : null,
              stallSeconds,
            };
            if (isStalled(p, stallSeconds)) {
              if (this.reportsOnly()) return { ...state, stalled: true };
              throw new Error(`outbox relay stalled: rows have waited ${state.oldestWaitingSeconds}s and nothing was published for ${state.lastProgressSecondsAgo ?? '?'}s (OUTBOX_STALL_SECONDS=${stallSeconds})`);
            }
            return state;
          })
          .withTimeout(2000),
    ]);
  }

  /** The broker and the relay are reported, not required (an `api` process). */
  private reportsOnly(): boolean {
    return this.info.role === 'api';
  }
}
