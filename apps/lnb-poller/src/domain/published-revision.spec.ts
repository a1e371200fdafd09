import { type DocumentDetected, evolvePublishedRevision, type PublishedRevision } from './published-revision';

const KEY = 'acme:invoice:INV-000001';
const detected = (
  revision: string,
  runId: string,
  mode: DocumentDetected['mode'],
  recordedAt: string | null = '2026-03-10 09:00:00.123456+00',
): DocumentDetected => ({ documentKey: KEY, documentType: 'invoice', revision, runId, mode, recordedAt });
const replay = (...events: DocumentDetected[]): PublishedRevision | null => events.reduce(evolvePublishedRevision, null);

describe("a document's published revision", () => {
  it('is the last revision an export published, with its run and when it was stored', () => {
    const at = '2026-03-11 10:00:00.654321+00';
    expect(replay(detected('r1', 'run-1', 'export'), detected('r2', 'run-2', 'export', at))).toEqual({
      documentKey: KEY,
      revision: 'r2',
      runId: 'run-2',
      publishedAt: at,
    });
  });

  it('a preview shows a revision without recording it: the next export must still find the document changed', () => {
    expect(replay(detected('r1', 'run-1', 'export'), detected('r2', 'preview-1', 'preview'))).toMatchObject({ revision: 'r1', runId: 'run-1' });
    expect(replay(detected('r1', 'preview-1', 'preview'))).toBeNull();
  });

  it('a retry re-publishing the same revision moves its run', () => {
    expect(replay(detected('r1', 'run-1', 'export'), detected('r1', 'retry-1', 'export'))).toMatchObject({ revision: 'r1', runId: 'retry-1' });
  });
});
