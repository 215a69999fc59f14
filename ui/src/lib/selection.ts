/**
 * The table's selection of rows for bulk changes: a click toggles one row; a Shift+click (or
 * Shift+Space) sets every row from the anchor — the row toggled last — to the clicked row to
 * the state the clicked row takes, as file managers do.
 */

/** The selection after toggling `id` among `rows` (the loaded rows' ids, in table order). */
export function toggled(selected: ReadonlySet<string>, rows: readonly string[], id: string, anchor: string | null, range: boolean): Set<string> {
  const next = new Set(selected);
  const on = !selected.has(id);
  const from = range && anchor !== null ? rows.indexOf(anchor) : -1;
  const to = rows.indexOf(id);
  if (from < 0 || to < 0) {
    if (on) next.add(id);
    else next.delete(id);
    return next;
  }
  for (let i = Math.min(from, to); i <= Math.max(from, to); i++) {
    if (on) next.add(rows[i]);
    else next.delete(rows[i]);
  }
  return next;
}
