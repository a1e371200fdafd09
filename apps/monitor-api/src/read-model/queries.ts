// Moved to store/queries.ts. Kept only because runs/ (being edited in another change) still imports
// it from here: delete this file when runs/ imports from store/.
export * from '../store/queries';
