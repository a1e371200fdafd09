// Moved to handlers/projection.service.ts. Kept only because runs/ (being edited in another change)
// still imports it from here: delete this file when runs/ imports from handlers/.
export { ProjectionService } from '../handlers/projection.service';
