// The mapper's consumers: LNB documents in, DocumentMapped or DocumentRejected out; each connection's
// mapping configuration and Xero reference data the mapping depends on, kept in the mapper's own streams.
// Every connection is served here, routed by the envelope's connectionId.
import {
  createEnvelope,
  CreditNoteDetected,
  DetectedDocumentValue,
  DocumentMapped,
  DocumentRejected,
  EventEnvelope,
  InvoiceDetected,
  CodedError,
  isCodedError,
  MappingChanged,
  MappingChangeRequested,
  OrgReferenceDataPublished,
} from '@lnbx/contracts';
import { BatchEventPattern, EVENT_STORE, EventHandlers, Outbox } from '@lnbx/messaging';
import type { EventStore } from '@lnbx/event-store';
import { Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { decideMapping, evolveMapping, MapInput, MappingState, MapResult } from '../domain';
import { MapperMetrics } from '../metrics';
import { MapperState, mappingStream, referenceStream } from '../store/mapper.state';
import { DocumentMapping } from './document-mapping';

const CONSUMER = { documents: 'mapper.documents', mapping: 'mapper.mapping', reference: 'mapper.org-reference' } as const;

@EventHandlers()
export class MapperHandlers {
  constructor(
    private readonly outbox: Outbox,
    private readonly state: MapperState,
    private readonly metrics: MapperMetrics,
    private readonly mapping: DocumentMapping,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /** A Kafka batch at a time, in one transaction (a failing batch is mapped again one document at a time). */
  @BatchEventPattern(InvoiceDetected.definition.topic)
  onInvoicesDetected(@Payload() envs: EventEnvelope<InvoiceDetected.Value>[]): Promise<void> {
    return this.map(envs);
  }

  @BatchEventPattern(CreditNoteDetected.definition.topic)
  onCreditNotesDetected(@Payload() envs: EventEnvelope<CreditNoteDetected.Value>[]): Promise<void> {
    return this.map(envs);
  }

  @EventPattern(OrgReferenceDataPublished.definition.topic)
  async onOrgReferenceDataPublished(@Payload() env: EventEnvelope<OrgReferenceDataPublished.Value>): Promise<void> {
    const handled = await this.outbox.once(CONSUMER.reference, env.eventId, async (tx) => {
      // No topic: kept for the mapper's restarts, not published again.
      await this.store.append(
        referenceStream(env.connectionId),
        [
          {
            eventId: env.eventId,
            type: env.type,
            data: env,
            metadata: { correlationId: env.correlationId, causationId: env.causationId },
          },
        ],
        { expectedVersion: 'any' },
        tx,
      );
    });
    // A redelivery must not put back data that a later snapshot already replaced.
    if (handled) this.state.setReference(env.connectionId, env.payload);
  }

  @EventPattern(MappingChangeRequested.definition.topic)
  onMappingChangeRequested(@Payload() env: EventEnvelope<MappingChangeRequested.Value>): Promise<void> {
    const connectionId = env.connectionId;
    // One connection's changes apply one after another; another connection's mapping is never touched.
    return this.state.serially(connectionId, async () => {
      const before = this.state.mappingFor(connectionId);
      let after: MappingState | undefined;
      try {
        await this.outbox.once(CONSUMER.mapping, env.eventId, async (tx) => {
          const decision = decideMapping({ type: 'ChangeMapping', change: env.payload.change, requestedBy: env.payload.requestedBy }, before);
          // The same change would be refused the same way every time: straight to the dead-letter topic, every field named.
          if (!decision.ok) throw new CodedError(decision.code, decision.message);
          const ctx = { producer: 'mapper' as const, connectionId, correlationId: env.correlationId, causationId: env.eventId, key: env.key };
          const events = decision.events.map((e) =>
            createEnvelope(
              MappingChanged.definition,
              {
                config: e.config as unknown as Record<string, unknown>,
                requestedBy: e.requestedBy,
              },
              ctx,
            ),
          );
          // The expected version catches another instance that changed the configuration meanwhile.
          await this.outbox.append(tx, mappingStream(connectionId), events, before.version);
          after = decision.events.reduce(evolveMapping, before);
        });
      } catch (err) {
        if (isCodedError(err, 'STORE.WRONG_EXPECTED_VERSION')) await this.state.reloadMapping(this.store, connectionId);
        throw err;
      }
      if (after) this.state.setMapping(connectionId, after);
    });
  }

  /** Each document not mapped before, mapped and its outcome appended to its stream; all in one transaction. */
  private async map(envs: EventEnvelope<DetectedDocumentValue>[]): Promise<void> {
    const results: { connectionId: string; type: DetectedDocumentValue['documentType']; result: MapResult }[] = [];
    await this.outbox.onceMany(
      CONSUMER.documents,
      envs.map((e) => e.eventId),
      async (tx, fresh) => {
        const outcomes: { streamId: string; envelopes: EventEnvelope[] }[] = [];
        for (const env of envs) {
          if (!fresh.delete(env.eventId)) continue;
          const v = env.payload;
          const input: MapInput = { documentKey: v.documentKey, documentType: v.documentType, document: v.document, retailer: v.retailer };
          if (typeof v.document.invoice_found === 'boolean') input.creditedInvoiceExists = v.document.invoice_found;
          const done = this.metrics.duration.startTimer();
          const result = this.mapping.map(env.connectionId, input);
          done();
          const ctx = {
            producer: 'mapper' as const,
            connectionId: env.connectionId,
            correlationId: env.correlationId,
            causationId: env.eventId,
            key: v.documentKey,
          };
          const common = { documentKey: v.documentKey, documentType: v.documentType, revision: v.revision, runId: v.runId, mode: v.mode };
          outcomes.push({ streamId: `document-${v.documentKey}`, envelopes: [outcome(result, common, ctx, v.document.pdf_url)] });
          results.push({ connectionId: env.connectionId, type: v.documentType, result });
        }
        await this.outbox.appendMany(tx, outcomes);
      },
    );
    // Counted once committed: a batch that failed and goes again one at a time is not counted twice.
    for (const r of results) this.metrics.record(r.connectionId, r.type, r.result);
  }
}

type Common = Pick<DocumentMapped.Value, 'documentKey' | 'documentType' | 'revision' | 'runId' | 'mode'>;
type Context = Parameters<typeof createEnvelope>[2];

function outcome(result: MapResult, common: Common, ctx: Context, pdfUrl: string | null | undefined): EventEnvelope {
  try {
    if (!result.ok) return createEnvelope(DocumentRejected.definition, { ...common, problems: result.problems }, ctx);
    const mapped: DocumentMapped.Value = { ...common, xero: result.xero, contact: result.contact, warnings: result.warnings };
    if (result.allocateToInvoiceNumber !== undefined) mapped.allocateToInvoiceNumber = result.allocateToInvoiceNumber;
    if (pdfUrl) mapped.pdfUrl = pdfUrl;
    return createEnvelope(DocumentMapped.definition, mapped, ctx);
  } catch (err) {
    // The mapping is pure: a result the contract refuses would be refused again on every retry.
    throw new CodedError('MAP.INVALID_OUTPUT', (err as Error).message, { cause: err });
  }
}
