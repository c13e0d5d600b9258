// DOM helpers of the report page: element lookup, element creation with text only (never
// markup), and the one tooltip. Assumes the page skeleton of html-report.ts.

/** The element with this id; the skeleton is static, so a missing one is a bug. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`report: no element #${id}`);
  return found as T;
}

/** A new element with a class and text content (set as text, never parsed). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls = '',
  text?: string | number | null,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

/** Shows the tooltip near the pointer, kept inside the window; the first line is the title. */
export function showTip(lines: readonly string[], clientX: number, clientY: number): void {
  const tip = byId('tooltip');
  tip.replaceChildren(...lines.map((line, j) => el('div', j === 0 ? 'title' : '', line)));
  tip.hidden = false;
  const w = tip.offsetWidth;
  const h = tip.offsetHeight;
  let x = clientX + 14;
  let y = clientY + 14;
  if (x + w > window.innerWidth - 8) x = Math.max(8, clientX - w - 14);
  if (y + h > window.innerHeight - 8) y = Math.max(8, clientY - h - 14);
  tip.style.left = `${x}px`;
  tip.style.top = `${y}px`;
}

export function hideTip(): void {
  byId('tooltip').hidden = true;
}

/** Sizes a canvas for the device pixel ratio and returns its context in CSS pixels. */
export function sizeCanvas(canvas: HTMLCanvasElement, widthPx: number, heightPx: number): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  const cw = Math.round(widthPx * dpr);
  const ch = Math.round(heightPx * dpr);
  if (canvas.width !== cw || canvas.height !== ch) {
    canvas.width = cw;
    canvas.height = ch;
    canvas.style.width = `${widthPx}px`;
    canvas.style.height = `${heightPx}px`;
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('report: no 2d canvas context');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/** The longest prefix of text (with an ellipsis) that fits maxWidthPx in ctx's font. */
export function fitText(ctx: CanvasRenderingContext2D, text: string, maxWidthPx: number): string {
  if (maxWidthPx <= 8) return '';
  if (ctx.measureText(text).width <= maxWidthPx) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const m = (lo + hi + 1) >>> 1;
    if (ctx.measureText(`${text.slice(0, m)}…`).width <= maxWidthPx) lo = m;
    else hi = m - 1;
  }
  return lo > 0 ? `${text.slice(0, lo)}…` : '';
}
