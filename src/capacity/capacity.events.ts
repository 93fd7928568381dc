// Signals from the ledger that observability counts (wired to the Prometheus counter by the server).
let onConflict: () => void = () => {};

export const countReservationConflict = () => onConflict();
export function setReservationConflictListener(listener: () => void): void {
  onConflict = listener;
}
