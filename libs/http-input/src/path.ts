// A path whose percent-encoding does not decode (`/api/runs/%E0%A4%A`): the router refuses it before any
// handler sees it, naming the bytes. Said here in the service's words instead, naming the path parameter
// when one of the service's routes (OpenAPI templates, `/api/runs/{runId}`) matches the path's shape.

const decodes = (segment: string): boolean => {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
};

/**
 * The 400's message for a path that does not decode, or undefined when every segment does. `templates`
 * are the routes the service serves; a segment in the place of `{name}` is reported as that parameter.
 */
export function malformedPathProblem(path: string, templates: readonly string[]): string | undefined {
  const segments = path.split('/');
  const bad = segments.findIndex((s) => !decodes(s));
  if (bad < 0) return undefined;
  for (const template of templates) {
    const parts = template.split('/');
    if (parts.length !== segments.length) continue;
    const fits = parts.every((p, i) => /^\{\w+\}$/.test(p) || (i !== bad && decodes(segments[i]) && decodeURIComponent(segments[i]) === p));
    const name = /^\{(\w+)\}$/.exec(parts[bad])?.[1];
    if (fits && name) return `${name} is not valid percent-encoding (%XX escapes of UTF-8 bytes)`;
  }
  return `the path is not valid percent-encoding (%XX escapes of UTF-8 bytes) in its part ${bad}`;
}
