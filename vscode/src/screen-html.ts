/** The screen panel's HTML: the web console's page in an iframe. Pure. */

/** Text made safe inside an HTML attribute value in double quotes. */
export function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The page's address with `#sim=NAME`, which makes the page show that simulator. */
export function screenFrameUrl(pageUrl: string, simulator: string): string {
  const url = new URL(pageUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`the web console's address is not http(s): ${pageUrl}`);
  url.hash = new URLSearchParams({ sim: simulator }).toString();
  return url.toString();
}

export interface ScreenHtmlOptions {
  /** The iframe's address (screenFrameUrl of the externally reachable page). */
  frameUrl: string;
  /** webview.cspSource: what the webview itself may load styles from. */
  cspSource: string;
  title: string;
}

export function screenHtml(options: ScreenHtmlOptions): string {
  const url = new URL(options.frameUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`refusing to frame ${url.protocol} content`);
  // URL's origin is "scheme://host:port" only: nothing in it can end the CSP directive.
  const csp = [`default-src 'none'`, `frame-src ${url.origin}`, `style-src ${options.cspSource} 'unsafe-inline'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
<title>${escapeAttribute(options.title)}</title>
<style>html, body { margin: 0; padding: 0; height: 100%; overflow: hidden; } iframe { display: block; border: 0; width: 100%; height: 100%; }</style>
</head>
<body>
<iframe src="${escapeAttribute(url.toString())}" title="${escapeAttribute(options.title)}" allow="clipboard-read; clipboard-write"></iframe>
</body>
</html>
`;
}
