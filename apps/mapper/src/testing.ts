// Helpers for the mapper service's tests and benches: documents as the poller sends them, and a reader
// of the mapper's topics. (The domain's builders are in domain/testing.ts.)
import { randomUUID } from 'node:crypto';
import {
  baseTopic,
  createEnvelope,
  CreditNoteDetected,
  decode,
  DetectedDocumentValue,
  EventDefinition,
  EventEnvelope,
  InvoiceDetected,
  parseDocumentKey,
  RunMode,
  topicName,
} from '@lnbx/contracts';
import type { Consumer, Kafka } from 'kafkajs';
import type { MapInput } from './domain';

/** The InvoiceDetected or CreditNoteDetected the poller would publish for this input (a domain builder's `input()`). */
export function aDocumentDetected(
  input: MapInput,
  { runId = randomUUID(), mode = 'export', revision = 'r1' }: { runId?: string; mode?: RunMode; revision?: string } = {},
): EventEnvelope<DetectedDocumentValue> {
  const connectionId = parseDocumentKey(input.documentKey)?.connectionId ?? 'acme';
  const definition: EventDefinition<DetectedDocumentValue> = input.documentType === 'invoice' ? InvoiceDetected.definition : CreditNoteDetected.definition;
  return createEnvelope(
    definition,
    {
      documentKey: input.documentKey,
      documentType: input.documentType,
      revision,
      runId,
      mode,
      document: input.document,
      retailer: input.retailer,
    },
    { producer: 'lnb-poller', connectionId, correlationId: runId, key: input.documentKey },
  );
}

export interface ReadMessage {
  /** The registry topic (without the prefix). */
  topic: string;
  key: string;
  headers: Record<string, string>;
  /** Decoded with the contracts' decoder; undefined on dead-letter topics, or when decoding is off. */
  envelope?: EventEnvelope;
  receivedAt: number;
}

/** Reads registry topics under a prefix from their beginning, in its own consumer group. */
export class TopicReader {
  readonly messages: ReadMessage[] = [];
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    private readonly prefix: string,
    private readonly topics: string[],
    private readonly decoding = true,
  ) {
    this.consumer = kafka.consumer({ groupId: `${prefix}reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics.map((t) => topicName(this.prefix, t)), fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        const base = baseTopic(this.prefix, topic);
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        const read: ReadMessage = { topic: base, key: message.key?.toString() ?? '', headers, receivedAt: performance.now() };
        if (this.decoding && !base.endsWith('.dlq')) {
          const d = decode(base, message.value);
          if (!d.ok) throw new Error(`${base} carried what the contracts refuse: ${d.code} ${d.reasons.join('; ')}`);
          read.envelope = d.envelope;
        }
        this.messages.push(read);
      },
    });
  }

  of(topic: string, key?: string): ReadMessage[] {
    return this.messages.filter((m) => m.topic === topic && (key === undefined || m.key === key));
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

// The domain's builders, so a test or a benchmark outside the app has one entry point.
export { aMappingConfig, anLnbCreditNote, anLnbInvoice, anOrgReference, aRetailer } from './domain/testing';

// What a benchmark or a test takes from a mapper started as a Nest context
// (`NestFactory.createApplicationContext(AppModule.forRoot(config, logger))`).
export { DocumentMapping } from './handlers/document-mapping';
export { MapperHandlers } from './handlers/mapper.handlers';
