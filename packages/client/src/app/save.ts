/**
 * Saves bytes as a file: a Blob URL clicked through a temporary <a download>, revoked right
 * after the browser has taken it. Nothing goes back to the server.
 */
export function saveBytes(name: string, data: Uint8Array<ArrayBuffer>, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.append(a);
  try {
    a.click();
  } finally {
    a.remove();
    // Give the download a moment to start before the URL goes.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
