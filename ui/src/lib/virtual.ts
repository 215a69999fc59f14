/** Which rows of a fixed-row-height list are visible, with some overscan on both sides. */
export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  rowCount: number,
  overscan = 8,
): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(viewportHeight / rowHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(rowCount, first + visible + overscan);
  return { start, end: Math.max(start, end) };
}

/** True when the visible end is close enough to the loaded end to fetch the next page. */
export function nearEnd(end: number, rowCount: number, threshold = 30): boolean {
  return rowCount - end <= threshold;
}
