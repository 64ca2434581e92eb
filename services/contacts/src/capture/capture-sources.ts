import { FormSubmittedV1, type EventContract, type EventData, type LeadCapture } from '@crm/events';

/**
 * An event of another module that carries a lead capture (libs/events/src/contracts/capture.ts):
 * where the capture sits in its data, and how the consent records and the log name its origin.
 */
export interface CaptureSource<C extends EventContract = EventContract> {
  contract: C;
  capture: (data: EventData<C>) => LeadCapture;
  /** The consent records' `source` (at most 200 characters), e.g. `marketing: form “Webinar sign-up”`. */
  origin: (data: EventData<C>) => string;
}

function captureSource<C extends EventContract>(s: CaptureSource<C>): CaptureSource {
  return s as unknown as CaptureSource;
}

/**
 * Every event contacts applies as a lead capture: one registration per contract, one handler for
 * all (LeadCaptureEvents). Support's "unknown requester" event is one more line here.
 */
export const CAPTURE_SOURCES: readonly CaptureSource[] = [
  captureSource({ contract: FormSubmittedV1, capture: (d) => d.capture, origin: (d) => `marketing: form “${d.formName}” (submission ${d.submissionId})` }),
];

export const CAPTURE_CONTRACTS: EventContract[] = CAPTURE_SOURCES.map((s) => s.contract);
