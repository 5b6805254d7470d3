// The selected simulator lives in the URL's hash (#sim=NAME): a reload or a copied URL opens the
// same one, and each tab has its own.

/** The name in the hash, or null. */
export function selectedName(): string | null {
  const name = new URLSearchParams(location.hash.slice(1)).get('sim');
  return name || null;
}

/** Put the name in the hash without a history entry per click (the query, with the token, stays). */
export function setSelectedName(name: string | null): void {
  const url = new URL(location.href);
  url.hash = name ? new URLSearchParams({ sim: name }).toString() : '';
  history.replaceState(history.state, '', url);
}

/** Calls back when the hash is changed by hand or by back/forward. */
export function onSelectionChange(callback: (name: string | null) => void): void {
  window.addEventListener('hashchange', () => callback(selectedName()));
}
