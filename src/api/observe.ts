// Lets the process watch every answer the API client gets (the fleet worker's metrics count requests by
// status) without the client knowing who listens.
export interface ApiResponseEvent {
  /** The account's API root (`https://acct.api-us1.com/api/3/`). */
  root: string;
  /** HTTP status, or 'network' when no answer came (reset, timeout, refused). */
  status: number | 'network';
}

type Listener = (event: ApiResponseEvent) => void;
const listeners = new Set<Listener>();

/** Registers a listener; returns the function that removes it. */
export function onApiResponse(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function notifyApiResponse(event: ApiResponseEvent): void {
  for (const l of listeners) l(event);
}
